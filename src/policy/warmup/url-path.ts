// An absolute URL path (RFC 3986 path-absolute, optional query): no scheme, host or fragment. It
// reaches the hook as an argument and goes on the request line as it is, so nothing else may.
const URL_PATH = /^\/(?!\/)(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
const MAX_PATH = 2048;

export function isUrlPath(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_PATH && URL_PATH.test(value);
}
