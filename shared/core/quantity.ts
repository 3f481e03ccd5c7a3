// Kubernetes resource quantities (`100Mi`, `1G`, `512k`, `1.5Gi`, `1e3`), as a
// LimitRange's `max.storage` gives them (docs/rules.md, "Words": an image
// exceeds its limit when `max.storage` is smaller than its size).

/** A parsed quantity: the text as written and its value in bytes, rounded down. */
export interface Quantity {
  text: string;
  /**
   * `floor(value)`, clamped to ±2^53. An image size is a whole number of bytes
   * below 2^53, so `limit < size` holds exactly when `floorBytes < size`, even
   * for fractional limits (`1.5`, `100m`) and limits beyond any image (`8Ei`).
   */
  floorBytes: number;
}

// The grammar of k8s.io/apimachinery/pkg/api/resource (quantity.go):
// <sign>? <digits>[.<digits>] | <sign>? .<digits> | <sign>? <digits>.  followed by a suffix.
const QUANTITY = /^([+-])?(\d*)(?:\.(\d*))?(.*)$/;

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
// Kubernetes accepts n, u and m too (nano, micro, milli). A storage limit in
// fractions of a byte makes little sense, but the API server stores it, and oc
// compares it exactly, so it is read exactly: `500m` is half a byte.
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const LIMIT = 2n ** 53n;
/** Beyond this decimal exponent any non-zero value is past ±2^53 (or rounds to 0 / -1). */
const MAX_EXPONENT = 400;

function clamp(n: bigint): number {
  if (n > LIMIT) return Number(LIMIT);
  if (n < -LIMIT) return -Number(LIMIT);
  return Number(n);
}

/** Floor division for bigints (BigInt division truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/**
 * Parses a Kubernetes quantity. Returns undefined when `text` is not one
 * (the caller names the object and field). Suffixes: binary `Ki Mi Gi Ti Pi Ei`,
 * decimal `n u m k M G T P E` (and none), or a decimal exponent `e3` / `E-2`.
 */
export function parseQuantity(text: string): Quantity | undefined {
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign, intDigits, fracDigits = '', suffix] = m;
  // A number needs at least one digit, before or after the point.
  if (intDigits.length === 0 && fracDigits.length === 0) return undefined;
  let decimalExp: number;
  let binaryPow = 0;
  if (suffix in BINARY) {
    binaryPow = BINARY[suffix];
    decimalExp = 0;
  } else if (suffix in DECIMAL) {
    decimalExp = DECIMAL[suffix];
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    const e = Number(suffix.slice(1));
    if (!Number.isSafeInteger(e)) return undefined;
    decimalExp = e;
  } else {
    return undefined;
  }
  const digits = BigInt(`${intDigits}${fracDigits}` || '0');
  const negative = sign === '-';
  if (digits === 0n) return { text, floorBytes: 0 };
  // value = digits * 1024^binaryPow * 10^(decimalExp - fracDigits.length)
  const exp = decimalExp - fracDigits.length;
  if (exp > MAX_EXPONENT) return { text, floorBytes: negative ? -Number(LIMIT) : Number(LIMIT) };
  if (exp < -MAX_EXPONENT) return { text, floorBytes: negative ? -1 : 0 };
  let num = digits * 1024n ** BigInt(binaryPow);
  let den = 1n;
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den = 10n ** BigInt(-exp);
  if (negative) num = -num;
  return { text, floorBytes: clamp(floorDiv(num, den)) };
}
