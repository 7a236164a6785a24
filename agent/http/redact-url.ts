// Request URLs as the agent logs them, with ACL tokens replaced: Consul's HTTP wrap logs `?token=<hidden>` so that
// logs (and the debug bundles that carry them, `lattice debug`'s consul.log) never hold a secret.

/** `/v1/kv/a?token=s3cret&dc=x` → `/v1/kv/a?token=<hidden>&dc=x`; every `token` parameter, however encoded. */
export function redactedUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed escape is logged as it came; it cannot be the name `token` either way.
      }
      return decoded === 'token' && equals >= 0 ? `${name}=<hidden>` : pair;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}
