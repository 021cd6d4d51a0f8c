// String format checks from k8s.io/apimachinery/pkg/util/validation, with Kubernetes' messages
// word for word. Each returns the list of problems (empty when the value is valid).

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const wildcardDNS1123SubdomainFmt = `\\*\\.${dns1123SubdomainFmt}`;
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${qualifiedNameFmt})?`;
const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const percentFmt = '[0-9]+%';
const httpHeaderNameFmt = '[-A-Za-z0-9]+';

const whole = (fmt: string) => new RegExp(`^${fmt}$`);
const dns1123SubdomainRe = whole(dns1123SubdomainFmt);
const qualifiedNameRe = whole(qualifiedNameFmt);
const configMapKeyRe = whole(configMapKeyFmt);
const envVarNameRe = whole(envVarNameFmt);
const percentRe = whole(percentFmt);
const httpHeaderNameRe = whole(httpHeaderNameFmt);

export const maxLenError = (n: number): string => `must be no more than ${n} characters`;
export const emptyError = (): string => 'must be non-empty';
export const inclusiveRangeError = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`;

export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}'`).join(' or ')}, regex used for validation is '${fmt}')`;
}

/**
 * The shape of apimachinery's length-and-format checks (IsDNS1123Label, IsDNS1123Subdomain,
 * IsDNS1035Label, IsWildcardDNS1123Subdomain, IsValidLabelValue): too long is one problem, a value
 * not wholly matching fmt another (its message names fmt, unanchored, as Go's RegexError does).
 */
function lengthAndFormat(maxLen: number, fmt: string, formatError: (value: string) => string): (value: string) => string[] {
  const re = whole(fmt);
  return (value) => {
    const errs: string[] = [];
    if (value.length > maxLen) errs.push(maxLenError(maxLen));
    if (!re.test(value)) errs.push(formatError(value));
    return errs;
  };
}

export const isDNS1123Label = lengthAndFormat(63, dns1123LabelFmt, (value) =>
  dns1123SubdomainRe.test(value)
    ? 'must not contain dots'
    : regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        dns1123LabelFmt,
        'my-name',
        '123-abc',
      ),
);

export const isDNS1123Subdomain = lengthAndFormat(253, dns1123SubdomainFmt, () =>
  regexError(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    dns1123SubdomainFmt,
    'example.com',
  ),
);

export const isDNS1035Label = lengthAndFormat(63, dns1035LabelFmt, () =>
  regexError(
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
    dns1035LabelFmt,
    'my-name',
    'abc-123',
  ),
);

/** IsWildcardDNS1123Subdomain (RFC 1034 section 4.3.3): "*." and a subdomain, as Ingress hosts may be. */
export const isWildcardDNS1123Subdomain = lengthAndFormat(253, wildcardDNS1123SubdomainFmt, () =>
  regexError(
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
    wildcardDNS1123SubdomainFmt,
    '*.example.com',
  ),
);

const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** IsQualifiedName: label keys, annotation keys, finalizers, condition types. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name))
    errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export const isValidLabelValue = lengthAndFormat(63, labelValueFmt, () =>
  regexError(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    labelValueFmt,
    'MyValue',
    'my_value',
    '12345',
  ),
);

function hasChDirPrefix(value: string): string[] {
  if (value === '.') return ["must not be '.'"];
  if (value === '..') return ["must not be '..'"];
  if (value.startsWith('..')) return ["must not start with '..'"];
  return [];
}

/** A name that becomes a file or variable name: the pattern, and never "." or ".." or a "..<x>" prefix. */
function keyOrVarName(value: string, re: RegExp, patternError: string): string[] {
  return [...(re.test(value) ? [] : [patternError]), ...hasChDirPrefix(value)];
}

export function isConfigMapKey(value: string): string[] {
  const errs = value.length > 253 ? [maxLenError(253)] : [];
  const pattern = regexError(
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
    configMapKeyFmt,
    'key.name',
    'KEY_NAME',
    'key-name',
  );
  return [...errs, ...keyOrVarName(value, configMapKeyRe, pattern)];
}

export function isEnvVarName(value: string): string[] {
  const pattern = regexError(
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
    envVarNameFmt,
    'my.env-name',
    'MY_ENV.NAME',
    'MyEnvName1',
  );
  return keyOrVarName(value, envVarNameRe, pattern);
}

/** The RelaxedEnvironmentVariableValidation rule (beta and on by default in v1.32). */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push(`environment variable name ${emptyError()}`);
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c > 0x7e || c < 0x20 || ch === '=') {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

export function isValidPercent(percent: string): string[] {
  return percentRe.test(percent)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, '1%', '93%')];
}

export function isHTTPHeaderName(value: string): string[] {
  return httpHeaderNameRe.test(value)
    ? []
    : [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", httpHeaderNameFmt, 'X-Header-Name')];
}

/** IPv4 or IPv6 (textual), as net.ParseIP accepts it. */
export function isIP(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}
export function isIPv4(value: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  return !!m && m.slice(1).every((p) => Number(p) <= 255);
}
export function isIPv6(value: string): boolean {
  if (!value.includes(':') || !/^[0-9a-fA-F:.]+$/.test(value)) return false;
  const dbl = value.split('::');
  if (dbl.length > 2) return false;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const all = [...groups(dbl[0]), ...(dbl.length === 2 ? groups(dbl[1]) : [])];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      count += 2;
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    count++;
  }
  return dbl.length === 2 ? count < 8 : count === 8;
}

/** validation.IsValidIP's message (v1.32 wording). */
export const invalidIPMessage = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

// Name validators per kind (ValidateNameFunc): prefix is true for generateName, where a
// trailing dash is allowed because a random suffix follows.

export type NameFn = (name: string, prefix: boolean) => string[];

function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}
export const nameIsDNSSubdomain: NameFn = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameFn = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameFn = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
