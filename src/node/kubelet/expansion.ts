// $(VAR) references in env values, command and args, as Kubernetes expands them
// (third_party/forked/golang/expansion): $(NAME) becomes NAME's value when NAME is defined and
// stays as written otherwise; $$ is an escaped $; any other $ is kept.

export type Mapping = (name: string) => string;

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  // The next ')' at or after the scan, found once and reused (-2: there is none). Looking it up
  // afresh at every "$(" made a value of many unclosed "$(" quadratic: a 1.5 MB pod spec held
  // the node agent's only thread for tens of seconds at each container start.
  let close = -1;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    if (next === '(') {
      if (close !== -2 && close < cursor + 2) {
        close = input.indexOf(')', cursor + 2);
        if (close < 0) close = -2;
      }
      if (close >= 0) {
        out += mapping(input.slice(cursor + 2, close));
        cursor = close;
      } else {
        // An incomplete reference: the "$(" stays as written.
        out += '$(';
        cursor += 1;
      }
    } else {
      // "$$" is an escaped "$"; "$x" stays as written.
      out += next === '$' ? '$' : `$${next}`;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** Looks a name up in each map in turn; unknown names stay "$(NAME)". */
export function mappingFor(...contexts: Map<string, string>[]): Mapping {
  return (name) => {
    for (const m of contexts) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}
