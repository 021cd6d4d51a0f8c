#!/usr/bin/env node
// The k8ts command line: one file per verb beside this one. Verbs and options are declared
// here (with an example for each verb); internal commands and flags are hidden from --help.

import type { Command } from 'commander';
import { startSupervisorEarly } from './earlysupervisor.js';

// `k8ts up`'s supervisor starts before the command line is loaded, beside it (earlysupervisor.ts);
// so the rest of this file's modules are imported after it, not before.
startSupervisorEarly(process.argv.slice(2));
const { Command: CommandClass, Help, Option } = await import('commander');
const { completionCandidates, completionScript } = await import('./completion.js');
const { k8tsVersion } = await import('./version.js');

const program = new CommandClass();
program
  .name('k8ts')
  .description('A Kubernetes-compatible cluster in TypeScript: `k8ts up`, then use kubectl (or `k8ts kubectl`).')
  .version(k8tsVersion(), '-v, --version', "print k8ts' version");
program.showHelpAfterError('(run k8ts --help for usage)');
// Required options say so in --help (commander only says so when they are missing).
program.configureHelp({
  optionDescription(option) {
    const text = Help.prototype.optionDescription.call(this, option);
    return option.mandatory ? `(required) ${text}` : text;
  },
});

/** Ends a command with its exit code. Each command's module is imported only when it runs, so
 *  that start-up (and shell completion) does not load the whole cluster. */
async function exitWith(code: Promise<number>): Promise<void> {
  process.exitCode = await code;
}

function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}

/** --name and --data-dir: which cluster a verb acts on. */
function target(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'the cluster (default k8ts; its data dir is ~/.k8ts/NAME)')
    .option('--data-dir <dir>', "the cluster's data dir, instead of ~/.k8ts/NAME");
}

/** Which options the user typed (not commander defaults): `up` keeps the rest from config.yaml. */
function given(cmd: Command): Set<string> {
  return new Set(cmd.options.map((o) => o.attributeName()).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
}

examples(
  target(program.command('up'))
    .description('create or start a cluster (in the background unless --foreground) and point kubectl at it')
    .option('--config <file>', "take the cluster's options from this file (the format of DATA_DIR/config.yaml)")
    .option('--port <n>', 'API server port on 127.0.0.1 (default 6443, or a free one near it when taken; 0: any free port)')
    .option('--kubeconfig <file>', 'write a kubeconfig for this cluster alone here, instead of merging into $KUBECONFIG or ~/.kube/config')
    .option('--kubeconfig-mode <mode>', "file mode of the kubeconfig written (octal, default 600), as k3s's --write-kubeconfig-mode")
    .option(
      '--store <kind>',
      'where objects are kept: sqlite (on disk), memory, or etcd://host:port[,host:port] (an etcd cluster; keys under /registry)',
    )
    .option('--foreground', 'run in this process until interrupted (no supervisor)')
    .option('--no-node', 'run the control plane only, with no node on this machine')
    .option('--pod-cidr <cidr>', "pod addresses of this machine's node (default 10.244.0.0/24; another per cluster)")
    .option('--bridge <name>', "the node's pod bridge device (default k8ts0; another per cluster)")
    .option('--cluster-cidr <cidr>', "the pod network nodes' podCIDRs are cut from (kube-controller-manager's; default 10.244.0.0/16)")
    .option('--node-cidr-mask-size <bits>', "prefix length of each node's podCIDR (default 24)")
    .option('--no-allocate-node-cidrs', 'do not give nodes podCIDRs (each agent then needs --pod-cidr)')
    .option('--bind-address <ip>', 'where the API server listens besides 127.0.0.1 (0.0.0.0: everywhere; default the advertise address)')
    .option(
      '--advertise-address <ip>',
      "the address nodes and pods reach the API server at (the kubernetes service's endpoint; default the host's first IPv4)",
    )
    .option(
      '--tls-san <name>',
      "an extra DNS name or IPv4 address for the API server's certificate (repeat, or comma-separate)",
      (v: string, prev?: string) => (prev ? `${prev},${v}` : v),
    )
    .option('--node-name <name>', "this machine's node name (default: the hostname)")
    .option('--simulated-nodes <n>', 'also register N simulated nodes (no processes; pods turn Running after a short delay)')
    .option('--node-grace-period <seconds>', 'how long a node may stay silent before it is NotReady/Unknown (default 50)')
    .addOption(
      new Option(
        '--runtime <kind>',
        "container runtime of this machine's node: oci (runc/crun), process (built-in), auto (oci where it can run; default, or $K8TS_RUNTIME)",
      ).choices(['auto', 'oci', 'process']),
    )
    .addOption(
      new Option(
        '--proxy-mode <mode>',
        "service proxy of this machine's node: nftables (kernel rules, root + nft), userspace (listeners), auto (nftables where it can run; default)",
      ).choices(['auto', 'nftables', 'userspace']),
    )
    .option('--ingress-http-port <port>', "HTTP port of the node's ingress controller on the node's address (default 80; 0: off)")
    .option('--ingress-https-port <port>', "HTTPS port of the node's ingress controller on the node's address (default 443; 0: off)")
    .option('--etcd-cafile <file>', "with --store etcd://: the CA of etcd's serving certificate (PEM), as kube-apiserver's")
    .option('--etcd-certfile <file>', 'with --store etcd://: the client certificate shown to etcd (PEM)')
    .option('--etcd-keyfile <file>', "with --store etcd://: that certificate's key (PEM)")
    .option(
      '--resolv-conf <file>',
      "the node's resolv.conf (kubelet's --resolv-conf): cluster DNS forwards other names to its nameservers (default /etc/resolv.conf)",
    )
    .option('--metric-resolution <seconds>', "how often metrics.k8s.io (kubectl top, autoscalers) reads the nodes' usage (default 15)")
    .option('--horizontal-pod-autoscaler-sync-period <seconds>', 'how often autoscalers are reconciled (default 15)')
    .option(
      '--horizontal-pod-autoscaler-downscale-stabilization <seconds>',
      'scale-down stabilization window of autoscalers that set none (default 300)',
    )
    .option(
      '--fleetlock-address <host:port>',
      'serve the FleetLock protocol (Zincati/locksmith reboot coordination) there, e.g. 0.0.0.0:8090 (default: off)',
    )
    .option('--fleetlock-slots <n>', 'machines of one FleetLock group that may reboot at once (default 1)')
    .option('--fleetlock-tls', "serve FleetLock over HTTPS with the API server's certificate")
    .option(
      '--load-balancer-pool <addresses>',
      "addresses for LoadBalancer services: CIDRs, FIRST-LAST ranges or addresses, comma-separated (default 198.18.N.0/24, N the pod CIDR's third octet)",
    )
    // Older scripts passed this to the background process; the supervisor does not need it.
    .addOption(new Option('--no-kubeconfig', 'write no kubeconfig').hideHelp())
    .action(async (o, cmd: Command) => exitWith((await import('./up.js')).up({ ...o, given: given(cmd) }))),
  [
    'k8ts up                          # the default cluster: ~/.k8ts/k8ts, context k8ts, port 6443',
    'k8ts up --name dev               # another one: ~/.k8ts/dev, context k8ts-dev, the next free port',
    'k8ts up --name big --no-node --simulated-nodes 100',
    'sudo k8ts up                     # pods get their own network; the kubeconfig is still yours',
    'k8ts up --config cluster.yaml    # options from a file (see ~/.k8ts/NAME/config.yaml)',
  ],
);

examples(
  target(program.command('down'))
    .description('stop a cluster; its state stays on disk for the next up')
    .action(async (o) => exitWith((await import('./down.js')).down(o))),
  ['k8ts down', 'k8ts down --name dev'],
);

examples(
  target(program.command('delete'))
    .description('stop a cluster, remove its data dir and its kubeconfig entries')
    .action(async (o) => exitWith((await import('./delete.js')).deleteCluster(o))),
  ['k8ts delete --name dev', 'k8ts delete                # the default cluster'],
);

examples(
  program
    .command('ls')
    .description('list clusters and whether they run')
    .option('-q, --quiet', 'names only')
    .action(async (o) => exitWith((await import('./ls.js')).ls(o))),
  ['k8ts ls', 'k8ts ls -q'],
);

examples(
  target(program.command('status'))
    .description('say what runs where')
    .action(async (o) => exitWith((await import('./status.js')).status(o))),
  ['k8ts status', 'k8ts status --name dev'],
);

examples(
  target(program.command('logs'))
    .description("show the cluster's own log (control plane, node agent, supervisor)")
    .option('-f, --follow', 'keep printing new lines (across rotations) until interrupted')
    .option('--tail <n>', 'only the last N lines')
    .action(async (o) => exitWith((await import('./logs.js')).logs(o))),
  ['k8ts logs --tail 50', 'k8ts logs --name dev --follow'],
);

examples(
  target(program.command('kubeconfig'))
    .description('print a kubeconfig for the cluster alone (as kind get kubeconfig)')
    .action(async (o) => exitWith((await import('./kubeconfig.js')).printKubeconfig(o))),
  ['k8ts kubeconfig > dev.yaml && kubectl --kubeconfig dev.yaml get nodes', 'k8ts kubeconfig --name dev'],
);

// Declared for help and completion; main() hands its arguments to kubectl untouched.
examples(
  target(program.command('kubectl'))
    .description(
      'run kubectl against the cluster (the one on PATH if its version fits, else the official release, downloaded once and verified)',
    )
    .argument('[args...]', "kubectl's own arguments")
    .action(() => undefined),
  ['k8ts kubectl get nodes', "k8ts kubectl --name dev -- get pods -o wide   # k8ts' own options before --, kubectl's after"],
);

examples(
  target(program.command('tutorial'))
    .description('learn Kubernetes on the live cluster, one step at a time')
    .option('--resume', 'continue where you left off')
    .option('-y, --yes', 'run every step without waiting (for CI)')
    .addOption(new Option('--skip-tag <tag...>', 'leave out steps with this tag').hideHelp())
    .action(async (o) => exitWith((await import('./tutorial.js')).tutorial(o))),
  ['k8ts tutorial', 'k8ts tutorial --resume', 'k8ts tutorial --yes   # straight through, nothing asked'],
);

examples(
  target(program.command('version'))
    .description("print k8ts' version and the Kubernetes version it serves")
    .action(async (o) => exitWith((await import('./version.js')).version(o))),
  ['k8ts version'],
);

examples(
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      const script = completionScript(shell);
      if (!script) {
        console.error(`k8ts: no completion for ${JSON.stringify(shell)}; use bash or zsh`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(script);
    }),
  [
    'source <(k8ts completion bash)                      # this shell',
    'k8ts completion bash > /etc/bash_completion.d/k8ts  # every bash',
    'k8ts completion zsh > ~/.zfunc/_k8ts                 # zsh (with ~/.zfunc in $fpath)',
  ],
);

const fleetlock = examples(
  program.command('fleetlock').description('the built-in FleetLock server: reboot slots per group and who holds them'),
  ['k8ts fleetlock ls', 'k8ts fleetlock release 4f3a...'],
);
examples(
  target(fleetlock.command('ls'))
    .description('list FleetLock groups, their slots and the machines holding them')
    .action(async (o) => exitWith((await import('./fleetlock.js')).fleetlockList(o))),
  ['k8ts fleetlock ls'],
);
examples(
  target(fleetlock.command('release'))
    .description('free the reboot slot a machine holds (one that will never come back), as an administrator')
    .argument('<id>', 'the machine id (as the FleetLock client sent it)')
    .action(async (id: string, o) => exitWith((await import('./fleetlock.js')).fleetlockRelease(id, o))),
  ['k8ts fleetlock release 4f3a8c2e9d7b4a6f8e1c0b2d3a4f5e6d'],
);

const nodes = program.command('nodes').description('manage simulated nodes of a running cluster');
examples(
  target(nodes.command('simulate'))
    .description('make the cluster have N simulated nodes (adds or removes)')
    .argument('<n>', 'how many')
    .action(async (n: string, o) => exitWith((await import('./nodes.js')).simulateNodes(n, o))),
  ['k8ts nodes simulate 100', 'k8ts nodes simulate 0 --name big'],
);
examples(nodes, ['k8ts nodes simulate 10']);

examples(
  program
    .command('agent')
    .description('join this machine (or network namespace) to a cluster as a node')
    .requiredOption('--server <url>', 'the API server, e.g. https://10.0.0.5:6443')
    .option('--token <token>', 'a bootstrap token (k8ts token create): joins the node through TLS bootstrap')
    .option(
      '--discovery-token-ca-cert-hash <sha256:hex...>',
      "the cluster CA's public key hash to pin (printed by k8ts token create --print-join-command)",
    )
    .option('--discovery-token-unsafe-skip-ca-verification', 'trust the cluster CA on the bootstrap token signature alone (no pinning)')
    .option(
      '--discovery-timeout <duration>',
      'how long token discovery keeps trying to reach the API server and find the signed cluster-info (default 2m)',
    )
    .option('--token-file <file>', 'instead of --token: a file holding a bearer token of the cluster (the older way; needs --ca-file)')
    .option('--name <name>', 'node name (default: the hostname)')
    .option('--ca-file <file>', 'the cluster CA (DATA_DIR/pki/ca.crt on the control plane), instead of token discovery')
    .option('--insecure-skip-tls-verify', "do not verify the API server's certificate")
    .option('--data-dir <dir>', 'where this node keeps pods, volumes and logs')
    .option('--pod-cidr <cidr>', "this node's pod addresses (default: the podCIDR the control plane gives its Node)")
    .option('--bridge <name>', "this node's pod bridge device", 'k8ts1')
    .option('--node-ip <ip>', "the address the API server reaches this node at (default: the host's first non-loopback IPv4)")
    .option('--port <n>', "streaming server port (kubelet's 10250)", '10250')
    .addOption(
      new Option(
        '--runtime <kind>',
        'container runtime: oci (runc/crun), process (built-in), auto (oci where it can run; default, or $K8TS_RUNTIME)',
      ).choices(['auto', 'oci', 'process']),
    )
    .addOption(
      new Option(
        '--proxy-mode <mode>',
        'service proxy: nftables (kernel rules, root + nft), userspace (listeners), auto (nftables where it can run; default)',
      ).choices(['auto', 'nftables', 'userspace']),
    )
    .option('--ingress-http-port <port>', "HTTP port of this node's ingress controller on the node's address (default 80; 0: off)")
    .option('--ingress-https-port <port>', "HTTPS port of this node's ingress controller on the node's address (default 443; 0: off)")
    .option(
      '--resolv-conf <file>',
      "this node's resolv.conf (kubelet's --resolv-conf): cluster DNS forwards other names to its nameservers (default /etc/resolv.conf)",
    )
    .option(
      '--node-lease-duration-seconds <n>',
      "the node's Lease duration (kubelet's nodeLeaseDurationSeconds, default 40); renewed every quarter of it",
    )
    .action(async (o) => exitWith((await import('./agent.js')).agent(o))),
  [
    'k8ts agent --server https://10.0.0.5:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1234...cdef --name node2 --bridge k8ts1',
    'k8ts agent --server https://10.0.0.5:6443   # a restart: the node keeps its certificate in its data dir',
  ],
);

examples(
  target(program.command('server'))
    .description(
      'run another control-plane process (API server, controllers, scheduler) of a cluster kept in etcd, as kubeadm join --control-plane; runs until interrupted',
    )
    .requiredOption('--store <etcd>', 'the etcd of the cluster: etcd://host:port[,host:port...], as the first server was given')
    .requiredOption('--join <url>', 'a running API server of the cluster, e.g. https://10.0.0.5:6443 (checked against the CA of --pki-dir)')
    .requiredOption('--pki-dir <dir>', "a copy of the first server's DATA_DIR/pki (its CA and service-account keys are shared)")
    .option('--token-file <file>', "a copy of the first server's DATA_DIR/token (default: beside --pki-dir)")
    .option('--port <n>', 'API server port on 127.0.0.1 (default 6443; 0: any free port)')
    .option('--bind-address <ip>', 'where the API server listens besides 127.0.0.1 (0.0.0.0: everywhere; default the advertise address)')
    .option('--advertise-address <ip>', "the address nodes and pods reach this API server at (default the host's first IPv4)")
    .option(
      '--tls-san <name>',
      "an extra DNS name or IPv4 address for this API server's certificate (repeat, or comma-separate)",
      (v: string, prev?: string) => (prev ? `${prev},${v}` : v),
    )
    .option('--node', 'also run a node on this machine (with its own --pod-cidr and --bridge)')
    .option('--pod-cidr <cidr>', "with --node: this node's pod addresses")
    .option('--bridge <name>', "with --node: this node's pod bridge device")
    .option('--node-name <name>', 'with --node: the node name (default: the hostname)')
    .option('--etcd-cafile <file>', "the CA of etcd's serving certificate (PEM)")
    .option('--etcd-certfile <file>', 'the client certificate shown to etcd (PEM)')
    .option('--etcd-keyfile <file>', "that certificate's key (PEM)")
    .action(async (o) => exitWith((await import('./server.js')).server(o))),
  [
    'scp -r cp1:~/.k8ts/k8ts/pki cp1:~/.k8ts/k8ts/token ./first/   # the shared secrets, copied once',
    'k8ts server --store etcd://10.0.0.5:2379,10.0.0.6:2379,10.0.0.7:2379 --join https://10.0.0.5:6443 --pki-dir ./first/pki',
  ],
);

const token = program.command('token').description('bootstrap tokens that let nodes join the cluster (as kubeadm token)');
examples(
  target(token.command('create'))
    .description('create a bootstrap token (printed; random unless given)')
    .argument('[token]', 'the token, [a-z0-9]{6}.[a-z0-9]{16} (default: a random one)')
    .option('--ttl <duration>', 'how long until the token expires and is deleted (default 24h; 0: never)', '24h')
    .option('--description <text>', 'a human-readable description of the token')
    .option('--usages <list>', 'what the token may be used for: signing (discovery), authentication', 'signing,authentication')
    .option('--groups <list>', 'extra groups the token authenticates as', 'system:bootstrappers:kubeadm:default-node-token')
    .option('--print-join-command', 'print the full `k8ts agent` command that joins a node with this token')
    .action(async (tok: string | undefined, o) => exitWith((await import('./token.js')).tokenCreate(tok, o))),
  ['k8ts token create --print-join-command', 'k8ts token create --ttl 1h'],
);
examples(
  target(token.command('list'))
    .description('list the bootstrap tokens')
    .action(async (o) => exitWith((await import('./token.js')).tokenList(o))),
  ['k8ts token list'],
);
examples(
  target(token.command('delete'))
    .description('delete bootstrap tokens (by id or whole token)')
    .argument('<ids...>', 'token ids ([a-z0-9]{6}) or tokens')
    .action(async (ids: string[], o) => exitWith((await import('./token.js')).tokenDelete(ids, o))),
  ['k8ts token delete abcdef'],
);
examples(token, ['k8ts token create --print-join-command']);

const image = examples(program.command('image').description("the local node's images (its containerd-style image store)"), [
  'k8ts image ls',
  'k8ts image pull nginx:1.27',
]);
examples(
  target(image.command('pull'))
    .description('pull an image from its registry (mirrors and plain-http registries: DATA_DIR/node/registries.yaml)')
    .argument('<ref>', 'the image reference')
    .option('--creds <user:password>', 'credentials for the registry')
    .action(async (ref: string, o) => exitWith((await import('./image.js')).imagePull(ref, o))),
  ['k8ts image pull docker.io/library/busybox:1.36', 'k8ts image pull registry.example:5000/app:v1 --creds me:secret'],
);
examples(
  target(image.command('load'))
    .description('load the images of a `docker save` or OCI image layout tarball')
    .argument('<file>', 'the tarball')
    .action(async (file: string, o) => exitWith((await import('./image.js')).imageLoad(file, o))),
  ['k8ts image load ./app.tar'],
);
examples(
  target(image.command('import'))
    .description('make an image from a folder with image.json and rootfs/')
    .argument('<dir>', 'the folder')
    .requiredOption('--tag <name>', 'the image reference, e.g. myapp:v1')
    .action(async (dir: string, o) => exitWith((await import('./image.js')).imageImport(dir, o))),
  ['k8ts image import ./myapp --tag myapp:v1'],
);
examples(
  target(image.command('ls'))
    .description('list images (pulled, loaded, and the built-in ones)')
    .action(async (o) => exitWith((await import('./image.js')).imageList(o))),
  ['k8ts image ls'],
);
examples(
  target(image.command('rm'))
    .description('remove images (a built-in one comes back at its next use)')
    .argument('<refs...>', 'image references')
    .action(async (refs: string[], o) => exitWith((await import('./image.js')).imageRemove(refs, o))),
  ['k8ts image rm myapp:v1'],
);

// ---- internal: what completion scripts call, and `up`'s background processes as clusters
// started by an older k8ts run them (`up` now starts them through daemon.js) ----------------
program
  .command('supervise', { hidden: true })
  .requiredOption('--data-dir <dir>')
  .argument('<command...>')
  .action(async (command: string[], o: { dataDir: string }) =>
    exitWith((await import('./supervise.js')).superviseCluster(o.dataDir, command)),
  );
program
  .command('serve', { hidden: true })
  .requiredOption('--data-dir <dir>')
  .requiredOption('--port <n>')
  .action(async (o: { dataDir: string; port: string }) => exitWith((await import('./serve.js')).serve(o)));
program
  .command('__complete', { hidden: true })
  .argument('[words...]')
  .allowUnknownOption()
  .helpOption(false)
  .action((words: string[]) => {
    for (const c of completionCandidates(program, words)) console.log(c);
  });

async function main(argv: string[]): Promise<void> {
  if (argv[2] === 'kubectl' && argv[3] !== '--help' && argv[3] !== '-h') {
    const { kubectlCommand } = await import('./kubectl.js');
    process.exitCode = await kubectlCommand(argv.slice(3));
    return;
  }
  if (argv[2] === '__complete') {
    // Completion words may look like options: they are not ours to parse.
    for (const c of completionCandidates(program, argv.slice(3))) console.log(c);
    return;
  }
  await program.parseAsync(argv);
}

main(process.argv).catch((e: Error) => {
  console.error(`k8ts: ${e.message}`);
  process.exitCode = 1;
});
