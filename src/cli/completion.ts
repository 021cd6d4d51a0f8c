// Shell completion, done as cobra (kubectl's CLI library) does it: a small bash or zsh function
// asks `k8ts __complete WORDS...` for the candidates, so the logic lives here once, knows the
// verbs and options declared in main.ts, and completes cluster names for --name.

import path from 'node:path';
import type { Command, Option } from 'commander';
import { listClusterDirs, readConfigFile } from '../cluster/config.js';

/** Printed alone when the shell should complete file names instead. */
export const FILES = '__files__';

const FILE_OPTIONS = new Set(['--data-dir', '--config', '--kubeconfig', '--token-file', '--ca-file']);

function visibleOptions(cmd: Command): Option[] {
  return cmd.options.filter((o) => !o.hidden);
}

function findOption(cmd: Command, word: string): Option | undefined {
  const flag = word.split('=')[0];
  return cmd.options.find((o) => o.long === flag || o.short === flag);
}

function clusterNames(): string[] {
  return listClusterDirs().map((d) => {
    try {
      return readConfigFile(path.join(d, 'config.yaml'))?.name ?? path.basename(d);
    } catch {
      return path.basename(d);
    }
  });
}

/** words: what follows `k8ts` on the line, the last being the (maybe empty) word under the cursor. */
export function completionCandidates(program: Command, words: string[]): string[] {
  const cur = words.length ? words[words.length - 1] : '';
  const done = words.slice(0, -1);
  let cmd = program;
  let expectValue: Option | undefined;
  for (const w of done) {
    if (expectValue) {
      expectValue = undefined;
      continue;
    }
    if (w === '--') break;
    if (w.startsWith('-')) {
      const opt = findOption(cmd, w);
      if (opt && (opt.required || opt.optional) && !w.includes('=')) expectValue = opt;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub) cmd = sub;
  }
  let out: string[];
  if (expectValue) {
    const long = expectValue.long ?? '';
    if (FILE_OPTIONS.has(long)) return [FILES];
    if (long === '--name' && cmd.name() !== 'agent') out = clusterNames();
    else if (expectValue.argChoices) out = expectValue.argChoices;
    else return [];
  } else if (cur.startsWith('-')) {
    out = [...visibleOptions(cmd).flatMap((o) => [o.long, o.short].filter((x): x is string => !!x)), '--help'];
  } else if (cmd.name() === 'completion') {
    out = ['bash', 'zsh'];
  } else {
    out = cmd.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden).map((c) => c.name());
    if (cmd === program) out.push('help');
  }
  return [...new Set(out)].filter((c) => c.startsWith(cur)).sort();
}

const BASH = `# bash completion for k8ts (k8ts completion bash)
_k8ts() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  local out
  out=$("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  if [[ "$out" == "${FILES}" ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return 0
  fi
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
}
complete -o default -F _k8ts k8ts
`;

const ZSH = `#compdef k8ts
# zsh completion for k8ts (k8ts completion zsh)
_k8ts() {
  local -a out
  out=("\${(@f)$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "\${out[1]}" == "${FILES}" ]]; then
    _files
    return
  fi
  [[ -n "\${out[1]}" ]] && compadd -- "\${out[@]}"
}
if [[ "\${funcstack[1]}" == "_k8ts" ]]; then
  _k8ts "$@"
else
  compdef _k8ts k8ts
fi
`;

export function completionScript(shell: string): string | undefined {
  return shell === 'bash' ? BASH : shell === 'zsh' ? ZSH : undefined;
}
