#!/usr/bin/env node
// The k8ts command line: cluster lifecycle verbs (up, down, status).

import { Command, Option } from 'commander';
import { up } from './up.js';
import { down } from './down.js';
import { status } from './status.js';

const program = new Command();
program.name('k8ts').description('A Kubernetes-compatible cluster in TypeScript').version('0.1.0');
program.showHelpAfterError('(run k8ts --help for usage)');

program.command('up')
  .description('start a cluster (in the background unless --foreground) and point kubectl at it')
  .option('--data-dir <dir>', 'where the cluster keeps its state (default ~/.k8ts or $K8TS_DATA_DIR)')
  .option('--port <n>', 'API server port on 127.0.0.1 (0 picks a free one)', '6443')
  .option('--kubeconfig <file>', 'write a kubeconfig here instead of merging into $KUBECONFIG or ~/.kube/config')
  .addOption(new Option('--store <kind>', 'storage backend').choices(['sqlite', 'memory']).default('sqlite'))
  .option('--foreground', 'run in this process until interrupted')
  .option('--no-kubeconfig', 'do not write any kubeconfig (used by the background process)')
  .option('--no-node', 'run the control plane only, with no node on this machine')
  .option('--pod-cidr <cidr>', 'pod addresses of this machine\'s node', '10.244.0.0/24')
  .option('--bridge <name>', 'the node\'s pod bridge device', 'k8ts0')
  .option('--node-name <name>', 'this machine\'s node name (default: the hostname)')
  .option('--simulated-nodes <n>', 'also register N simulated nodes (no processes; pods turn Running after a short delay)')
  .option('--node-grace-period <seconds>', 'how long a node may stay silent before it is NotReady/Unknown (default 50)')
  .addOption(new Option('--runtime <kind>', 'container runtime of this machine\'s node: oci (runc/crun), process (built-in), auto (oci where it can run; default, or $K8TS_RUNTIME)').choices(['auto', 'oci', 'process']))
  .action(async (o: { dataDir?: string; port?: string; kubeconfig?: string | false; store?: string; foreground?: boolean; node?: boolean; podCidr?: string; bridge?: string; nodeName?: string; simulatedNodes?: string; nodeGracePeriod?: string; runtime?: string }) => {
    process.exitCode = await up(o);
  });

program.command('nodes')
  .description('manage simulated nodes of a running cluster')
  .command('simulate <n>')
  .description('make the cluster have N simulated nodes (adds or removes)')
  .option('--data-dir <dir>', 'the cluster\'s data dir')
  .action(async (n: string, o: { dataDir?: string }) => {
    const { simulateNodes } = await import('./nodes.js');
    process.exitCode = await simulateNodes(n, o);
  });

program.command('agent')
  .description('join this machine (or network namespace) to a cluster as a node')
  .option('--server <url>', 'the API server, e.g. https://10.0.0.5:6443')
  .option('--token <token>', 'a bearer token of the cluster (DATA_DIR/token on the control plane)')
  .option('--name <name>', 'node name (default: the hostname)')
  .option('--ca-file <file>', 'the cluster CA (DATA_DIR/pki/ca.crt on the control plane)')
  .option('--insecure-skip-tls-verify', 'do not verify the API server\'s certificate')
  .option('--data-dir <dir>', 'where this node keeps pods, volumes and logs')
  .option('--pod-cidr <cidr>', 'this node\'s pod addresses (distinct per node)', '10.244.1.0/24')
  .option('--bridge <name>', 'this node\'s pod bridge device', 'k8ts1')
  .option('--node-ip <ip>', 'the address the API server reaches this node at (default: the host\'s first non-loopback IPv4)')
  .option('--port <n>', 'streaming server port (kubelet\'s 10250)', '10250')
  .addOption(new Option('--runtime <kind>', 'container runtime: oci (runc/crun), process (built-in), auto (oci where it can run; default, or $K8TS_RUNTIME)').choices(['auto', 'oci', 'process']))
  .action(async (o) => {
    const { agent } = await import('./agent.js');
    process.exitCode = await agent(o);
  });

const image = program.command('image').description('the local node\'s images');
image.command('import <dir>')
  .description('add an image from a folder with image.json and rootfs/')
  .option('--tag <name>', 'the image reference, e.g. myapp:v1')
  .option('--data-dir <dir>', 'the cluster\'s data dir')
  .action(async (dir: string, o: { tag?: string; dataDir?: string }) => {
    const { imageImport } = await import('./image.js');
    process.exitCode = await imageImport(dir, o);
  });
image.command('ls')
  .description('list images (built-in and imported)')
  .option('--data-dir <dir>', 'the cluster\'s data dir')
  .action(async (o: { dataDir?: string }) => {
    const { imageList } = await import('./image.js');
    process.exitCode = await imageList(o);
  });
image.command('rm <refs...>')
  .description('remove imported images')
  .option('--data-dir <dir>', 'the cluster\'s data dir')
  .action(async (refs: string[], o: { dataDir?: string }) => {
    const { imageRemove } = await import('./image.js');
    process.exitCode = await imageRemove(refs, o);
  });

program.command('down')
  .description('stop the cluster; its state stays on disk for the next up')
  .option('--data-dir <dir>', 'the cluster\'s data dir')
  .action(async (o: { dataDir?: string }) => { process.exitCode = await down(o); });

program.command('status')
  .description('say what runs where')
  .option('--data-dir <dir>', 'the cluster\'s data dir')
  .action(async (o: { dataDir?: string }) => { process.exitCode = await status(o); });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`k8ts: ${e.message}`);
  process.exitCode = 1;
});
