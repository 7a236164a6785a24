// How `lattice intention` prints intentions, as consul intention does: api.Intention's String() (`web => db (allow)`,
// `(1 permission)` / `(N permissions)` for L7 ones), the `get` table (Action only when set, sorted Meta, Created At
// in Go's RFC 850 layout and local time, then the Permissions as indented JSON) and columnize's two-space columns.

export interface IntentionView {
  readonly ID: string;
  readonly SourceName: string;
  readonly DestinationName: string;
  readonly Action?: string;
  readonly Permissions?: readonly unknown[] | null;
  readonly Description?: string;
  readonly Precedence: number;
  readonly Meta?: Readonly<Record<string, string>> | null;
  readonly CreatedAt?: string;
  readonly UpdatedAt?: string;
}

/** api.Intention.String(). */
export function intentionString(
  intention: Pick<IntentionView, 'SourceName' | 'DestinationName' | 'Action' | 'Permissions'>,
): string {
  const permissions = intention.Permissions?.length ?? 0;
  const detail =
    permissions === 0 ? (intention.Action ?? '') : permissions === 1 ? '1 permission' : `${permissions} permissions`;
  return `${intention.SourceName} => ${intention.DestinationName} (${detail})`;
}

const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function zoneName(date: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZoneName: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).formatToParts(date);
  const name = parts.find((part) => part.type === 'timeZoneName')?.value ?? 'UTC';
  // Go names UTC "UTC"; Intl says "UTC" too, or "GMT" for a zone at offset 0 without an abbreviation.
  return name === 'GMT' ? 'UTC' : name;
}

/** Go's time.RFC850 (`Monday, 02-Jan-06 15:04:05 MST`), in local time unless `timeZone` is "UTC". */
export function formatRfc850(date: Date, timeZone?: 'UTC'): string {
  const utc = timeZone === 'UTC';
  const two = (value: number) => String(value).padStart(2, '0');
  const day = utc ? date.getUTCDay() : date.getDay();
  const dayOfMonth = utc ? date.getUTCDate() : date.getDate();
  const month = utc ? date.getUTCMonth() : date.getMonth();
  const year = (utc ? date.getUTCFullYear() : date.getFullYear()) % 100;
  const hours = utc ? date.getUTCHours() : date.getHours();
  const minutes = utc ? date.getUTCMinutes() : date.getMinutes();
  const seconds = utc ? date.getUTCSeconds() : date.getSeconds();
  return `${weekdays[day]}, ${two(dayOfMonth)}-${months[month]}-${two(year)} ${two(hours)}:${two(minutes)}:${two(seconds)} ${zoneName(date, timeZone)}`;
}

/** columnize.SimpleFormat: cells left-aligned, two spaces between columns, no trailing blanks. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 2)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

/** `consul intention get`'s pretty output, newline-terminated. */
export function formatIntentionDetails(intention: IntentionView, timeZone?: 'UTC'): string {
  const rows: string[][] = [
    ['Source:', intention.SourceName],
    ['Destination:', intention.DestinationName],
  ];
  if (intention.Action) rows.push(['Action:', intention.Action]);
  if (intention.ID) rows.push(['ID:', intention.ID]);
  if (intention.Description) rows.push(['Description:', intention.Description]);
  const meta = intention.Meta ?? {};
  for (const key of Object.keys(meta).sort()) rows.push([`Meta[${key}]:`, meta[key] as string]);
  const created = intention.CreatedAt ? new Date(intention.CreatedAt) : null;
  if (created && !Number.isNaN(created.getTime())) rows.push(['Created At:', formatRfc850(created, timeZone)]);
  let text = `${columns(rows)}\n`;
  if ((intention.Permissions?.length ?? 0) > 0)
    text += `Permissions:\n${JSON.stringify(intention.Permissions, null, 2)}\n`;
  return text;
}

/** `consul intention list`'s table, newline-terminated; Action is blank for L7 intentions, as Consul shows it. */
export function formatIntentionList(intentions: readonly IntentionView[]): string {
  const rows = [
    ['ID', 'Source', 'Action', 'Destination', 'Precedence'],
    ...intentions.map((item) => [
      item.ID,
      item.SourceName,
      item.Action ?? '',
      item.DestinationName,
      String(item.Precedence),
    ]),
  ];
  return `${columns(rows)}\n`;
}
