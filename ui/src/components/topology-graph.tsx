// The topology graph of one service: downstreams on the left, the service in the middle, upstreams on the right,
// each link drawn green when intentions allow it and red and dashed when they deny it.

import type { TopologyEdge } from '../api/topology.js';
import { navigate } from '../router.js';

const boxWidth = 200;
const boxHeight = 44;
const rowGap = 18;
const columnX = { left: 10, middle: 330, right: 650 } as const;
const width = columnX.right + boxWidth + 10;

function rowY(index: number, count: number, height: number): number {
  const block = count * boxHeight + (count - 1) * rowGap;
  return (height - block) / 2 + index * (boxHeight + rowGap);
}

function ServiceBox({
  x,
  y,
  name,
  hrefOf,
  center,
  note,
}: {
  readonly x: number;
  readonly y: number;
  readonly name: string;
  readonly hrefOf: (name: string) => string;
  readonly center?: boolean;
  readonly note?: string;
}) {
  const to = hrefOf(name);
  return (
    <a
      href={to}
      class={`topo-node${center ? ' topo-center' : ''}`}
      onClick={(event) => {
        event.preventDefault();
        navigate(to);
      }}
    >
      <rect x={x} y={y} width={boxWidth} height={boxHeight} rx={8} />
      <text x={x + 14} y={y + (note ? 19 : 27)} class="topo-name">
        {name.length > 24 ? `${name.slice(0, 23)}…` : name}
      </text>
      {note ? (
        <text x={x + 14} y={y + 35} class="topo-note">
          {note}
        </text>
      ) : null}
    </a>
  );
}

/** Why a link exists when no sidecar declares it (transparent proxies reach what intentions allow). */
const sourceNotes: Readonly<Record<TopologyEdge['source'], string | undefined>> = {
  'proxy-registration': undefined,
  'specific-intention': 'by intention',
  'wildcard-intention': 'by wildcard intention',
  'default-allow': 'by default allow',
};

function Link({ x1, y1, x2, y2, edge }: { x1: number; y1: number; x2: number; y2: number; edge: TopologyEdge }) {
  const middleX = (x1 + x2) / 2;
  const path = `M ${x1} ${y1} C ${middleX} ${y1}, ${middleX} ${y2}, ${x2} ${y2}`;
  const state = edge.allowed ? 'allowed' : 'denied';
  return (
    <g class={`topo-link topo-${state}`}>
      <title>{`${state}${edge.permissions ? ' (L7 permissions decide each request)' : ''}${sourceNotes[edge.source] ? ` (${sourceNotes[edge.source]}, no upstream declared)` : ''}`}</title>
      <path d={path} marker-end={`url(#arrow-${state})`} />
      <circle cx={middleX} cy={(y1 + y2) / 2} r={9} />
      <text x={middleX} y={(y1 + y2) / 2 + 4} text-anchor="middle">
        {edge.allowed ? '✓' : '✕'}
      </text>
    </g>
  );
}

export function TopologyGraph({
  service,
  upstreams,
  downstreams,
  hrefOf,
}: {
  readonly service: string;
  readonly upstreams: readonly TopologyEdge[];
  readonly downstreams: readonly TopologyEdge[];
  readonly hrefOf: (name: string) => string;
}) {
  const rows = Math.max(1, upstreams.length, downstreams.length);
  const height = rows * boxHeight + (rows - 1) * rowGap + 40;
  const centerY = (height - boxHeight) / 2;
  return (
    <svg
      class="topology"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={`Topology of ${service}`}
    >
      <defs>
        {(['allowed', 'denied'] as const).map((state) => (
          <marker
            key={state}
            id={`arrow-${state}`}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class={`topo-arrow-${state}`} />
          </marker>
        ))}
      </defs>
      {downstreams.map((edge, index) => {
        const y = rowY(index, downstreams.length, height);
        return (
          <Link
            key={`d-${edge.name}`}
            x1={columnX.left + boxWidth}
            y1={y + boxHeight / 2}
            x2={columnX.middle}
            y2={centerY + boxHeight / 2}
            edge={edge}
          />
        );
      })}
      {upstreams.map((edge, index) => {
        const y = rowY(index, upstreams.length, height);
        return (
          <Link
            key={`u-${edge.name}`}
            x1={columnX.middle + boxWidth}
            y1={centerY + boxHeight / 2}
            x2={columnX.right}
            y2={y + boxHeight / 2}
            edge={edge}
          />
        );
      })}
      {downstreams.map((edge, index) => (
        <ServiceBox
          key={`dn-${edge.name}`}
          x={columnX.left}
          y={rowY(index, downstreams.length, height)}
          name={edge.name}
          hrefOf={hrefOf}
          note={sourceNotes[edge.source]}
        />
      ))}
      <ServiceBox x={columnX.middle} y={centerY} name={service} hrefOf={hrefOf} center />
      {upstreams.map((edge, index) => (
        <ServiceBox
          key={`up-${edge.name}`}
          x={columnX.right}
          y={rowY(index, upstreams.length, height)}
          name={edge.name}
          hrefOf={hrefOf}
          note={edge.bind ? `local ${edge.bind}` : undefined}
        />
      ))}
      {downstreams.length === 0 ? (
        <text x={columnX.left + boxWidth / 2} y={height / 2} text-anchor="middle" class="topo-empty">
          no downstreams
        </text>
      ) : null}
      {upstreams.length === 0 ? (
        <text x={columnX.right + boxWidth / 2} y={height / 2} text-anchor="middle" class="topo-empty">
          no upstreams
        </text>
      ) : null}
    </svg>
  );
}
