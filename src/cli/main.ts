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
  .action(async (o: { dataDir?: string; port?: string; kubeconfig?: string | false; store?: string; foreground?: boolean; node?: boolean; podCidr?: string; bridge?: string; nodeName?: string; simulatedNodes?: string; nodeGracePeriod?: string }) => {
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
