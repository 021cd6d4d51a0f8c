// $(VAR) references in env values, command and args, as Kubernetes expands them
// (third_party/forked/golang/expansion): $(NAME) becomes NAME's value when NAME is defined and
// stays as written otherwise; $$ is an escaped $; any other $ is kept.

export type Mapping = (name: string) => string;

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const { read, isVar, advance } = readVariableName(input.slice(cursor + 1));
    out += isVar ? mapping(read) : read;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

function readVariableName(input: string): { read: string; isVar: boolean; advance: number } {
  if (input[0] === '$') return { read: '$', isVar: false, advance: 1 };
  if (input[0] === '(') {
    const close = input.indexOf(')', 1);
    if (close >= 0) return { read: input.slice(1, close), isVar: true, advance: close + 1 };
    return { read: '$(', isVar: false, advance: 1 };
  }
  return { read: '$' + input[0], isVar: false, advance: 1 };
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
