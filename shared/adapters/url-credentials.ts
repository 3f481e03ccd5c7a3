// Credentials written into a URL (`https://user:password@host`) end up in
// shell history, logs and error messages. Every URL the user gives (flags,
// kubeconfig servers, deployment settings) is checked here, and an error that
// must show a URL shows it through redactUserInfo.

/** The authority of `text` (`user:pass@host:port`), with or without a scheme. */
function authority(text: string): string {
  const rest = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return rest.split(/[/?#]/, 1)[0] ?? '';
}

/** True when `text` carries a user name or password (`scheme://user[:pass]@host`, or `user@host` without a scheme). */
export function hasUserInfo(text: string): boolean {
  return authority(text).includes('@');
}

/** `text` with any user info replaced by `***`, safe to print. */
export function redactUserInfo(text: string): string {
  if (!hasUserInfo(text)) return text;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  const rest = text.slice(scheme.length);
  const auth = authority(text);
  return `${scheme}***@${auth.slice(auth.lastIndexOf('@') + 1)}${rest.slice(auth.length)}`;
}
