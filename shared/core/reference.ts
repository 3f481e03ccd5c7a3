// Docker pull specs as the rules read them (docs/rules.md, "Words"):
// [host[:port]/]path[:tag][@digest].
import { InvalidReferenceError } from './errors.js';

export interface DockerReference {
  host?: string;
  /** The first path component after the host; absent for a single-component path. */
  namespace?: string;
  /** The rest of the path (may contain `/` when the path has three or more components). */
  name: string;
  /** `latest` when the reference has neither tag nor digest. */
  tag?: string;
  /** The digest with its hex in lower case (a reference may write it in upper case). */
  digest?: string;
}

// The grammar of distribution/reference.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

/** True when `text` is a content digest (`sha256:<64 lower-case hex>`, or another algorithm's well-formed digest). */
export function isDigest(text: string): boolean {
  if (text.startsWith('sha256:')) return SHA256.test(text);
  return DIGEST.test(text) && text.split(':')[1].length >= 32;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * The digest a reference names, in the form Image names use: its hex in lower
 * case, since oc's parser accepts upper-case hex (docs/rules.md, "Words").
 * Undefined when `text` is no digest. Non-hex encodings of other algorithms are
 * left as written.
 */
export function referenceDigest(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon > 0 && HEX.test(text.slice(colon + 1))) {
    const lower = text.slice(0, colon) + text.slice(colon).toLowerCase();
    return isDigest(lower) ? lower : undefined;
  }
  return isDigest(text) ? text : undefined;
}

function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * Parses a pull spec. The first component is a host when there are at least two
 * components and it contains `.` or `:`, is `localhost`, or there are three or
 * more components. Throws {@link InvalidReferenceError}.
 */
export function parseReference(text: string): DockerReference {
  const fail = (reason: string): never => {
    throw new InvalidReferenceError(text, reason);
  };
  if (typeof text !== 'string' || text.length === 0) fail('empty reference');
  if (/\s/.test(text)) fail('contains white space');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const written = rest.slice(at + 1);
    rest = rest.slice(0, at);
    digest = referenceDigest(written);
    if (digest === undefined) fail(`malformed digest "${written}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`malformed tag "${tag}"`);
  }
  const components = rest.split('/');
  if (components.some((c) => c.length === 0)) fail('empty path component');

  let host: string | undefined;
  if (components.length >= 3 || (components.length === 2 && looksLikeHost(components[0]))) {
    host = components.shift();
    if (!HOST.test(host!)) fail(`malformed host "${host}"`);
  }
  for (const c of components) {
    if (c !== c.toLowerCase()) fail(`upper case in the path component "${c}"`);
    if (!PATH_COMPONENT.test(c)) fail(`malformed path component "${c}"`);
  }
  const ref: DockerReference = { name: components.length === 1 ? components[0] : components.slice(1).join('/') };
  if (components.length > 1) ref.namespace = components[0];
  if (host !== undefined) ref.host = host;
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined) ref.tag = 'latest';
  return ref;
}
