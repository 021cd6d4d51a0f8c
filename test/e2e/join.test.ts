// Issue #12, the join command: `k8ts token create --print-join-command` on the control plane, and
// that very command run in a network namespace (another machine, as far as the network goes)
// joins a node through token discovery and TLS bootstrap: the node turns Ready as
// system:node:NAME, `kubectl get csr` shows its requests approved, a pod runs there and
// `kubectl logs` / `kubectl exec` reach it over TLS to the node; a restart needs no token; a
// deleted token joins nothing.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeCSR } from '../../src/pki/csr.js';
import { waitFor } from '../../src/testing/wait.js';
import { CLI, isRoot, ownNodeArgs, run, TestCluster } from './harness.js';

const n = process.pid % 100_000;
const NETNS = `k8tsjn${n}`;
const VETH = `k8jn${n}`;
// A /30 of this run's own (the host's other interfaces come and go with other tests).
const SUBNET = `172.31.${n % 256}.${4 * ((n >> 8) % 64)}`;
const HOST_IP = SUBNET.replace(/\d+$/, (d) => String(Number(d) + 1));
const NODE_IP = SUBNET.replace(/\d+$/, (d) => String(Number(d) + 2));
const NODE = 'jn-agent';
const BRIDGE = `k8tjb${n}`.slice(0, 15);
/** What a stopped agent leaves on its node (its pods run on, by design), removed as `k8ts down` would. */
const CLEANUP = path.resolve(path.dirname(CLI), '../testing/nodecleanup.js');

describe('k8ts agent joins with the printed join command', { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  const cluster = new TestCluster('join');
  let agent: ChildProcess | undefined;
  let agentLog = '';
  let joinArgs: string[] = [];
  const agentDir = path.join(cluster.dir, 'agent');
  const sh = (cmd: string) => run('sh', ['-ec', cmd]);

  const startAgent = (args: string[]) => {
    agentLog = '';
    const b = 128 + (process.pid % 64);
    // nsenter --net, not `ip netns exec`: that one remounts /sys, which hides the cgroup mounts
    // the OCI runtime needs.
    const child = spawn(
      'nsenter',
      [
        `--net=/run/netns/${NETNS}`,
        process.execPath,
        CLI,
        ...args,
        '--name',
        NODE,
        '--data-dir',
        agentDir,
        '--pod-cidr',
        `10.${b}.250.0/24`,
        '--bridge',
        BRIDGE,
        '--ingress-http-port',
        '0',
        '--ingress-https-port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: cluster.dir } },
    );
    child.stdout!.on('data', (d) => (agentLog += String(d)));
    child.stderr!.on('data', (d) => (agentLog += String(d)));
    return child;
  };
  const stopAgent = async () => {
    const a = agent;
    agent = undefined;
    if (!a || a.exitCode !== null) return;
    const gone = new Promise((r) => a.once('exit', r));
    a.kill('SIGTERM');
    const t = setTimeout(() => a.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(t);
  };

  before(async () => {
    await sh(
      `ip netns add ${NETNS}; ip link add ${VETH} type veth peer name eth0 netns ${NETNS}; ip addr add ${HOST_IP}/30 dev ${VETH}; ip link set ${VETH} up; ` +
        `ip netns exec ${NETNS} ip addr add ${NODE_IP}/30 dev eth0; ip netns exec ${NETNS} ip link set eth0 up; ip netns exec ${NETNS} ip link set lo up; ` +
        `ip netns exec ${NETNS} ip route add default via ${HOST_IP}`,
    );
    // The API server advertised (cluster-info, the join command) at the host's end of the link.
    const up = await cluster.up([...ownNodeArgs('jn'), '--advertise-address', HOST_IP]);
    assert.equal(up.code, 0, up.stderr);
  });

  after(async () => {
    await cluster.kubectl(['delete', 'pod', '--all', '--grace-period=1', '--wait=true', '--timeout=30s']).catch(() => undefined);
    await stopAgent();
    // In the agent's own network namespace, as it ran: its pods' processes, mounts and bridge.
    await run('nsenter', [`--net=/run/netns/${NETNS}`, process.execPath, CLEANUP, agentDir, BRIDGE]).catch(() => undefined);
    await sh(`ip link del ${VETH} 2>/dev/null || true; ip netns del ${NETNS} 2>/dev/null || true`);
    await cluster.stop();
  });

  test('token create --print-join-command prints the agent command with the CA hash', async () => {
    const r = await run(process.execPath, [CLI, 'token', 'create', '--print-join-command', '--data-dir', cluster.dataDir], {
      env: cluster.env(),
    });
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.trim();
    assert.match(
      line,
      /^k8ts agent --server https:\/\/\S+ --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/,
    );
    joinArgs = line.split(' ').slice(1);
    const list = await run(process.execPath, [CLI, 'token', 'list', '--data-dir', cluster.dataDir], { env: cluster.env() });
    assert.equal(list.code, 0, list.stderr);
    const token = joinArgs[joinArgs.indexOf('--token') + 1];
    assert.match(list.stdout, /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS/);
    assert.match(
      list.stdout,
      new RegExp(
        `${token.replace('.', '\\.')}\\s+2[34]h\\s+\\S+\\s+authentication,signing\\s+<none>\\s+system:bootstrappers:kubeadm:default-node-token`,
      ),
    );
  });

  test('the join command joins a node that runs a pod; logs and exec reach it', async () => {
    assert.ok(joinArgs.length, 'needs the join command');
    agent = startAgent(joinArgs);
    await cluster.waitFor(
      `node ${NODE} Ready`,
      async () => {
        if (agent?.exitCode !== null && agent?.exitCode !== undefined) throw new Error(`the agent exited ${agent.exitCode}: ${agentLog}`);
        const r = await cluster.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
        return r.stdout.trim() === 'True';
      },
      120_000,
    );
    // Its requests, approved and issued: the client certificate asked with the token, the others with the node's own.
    // (The serving certificate is asked for once the Node is registered: it may follow Ready.)
    const csrs = await cluster.waitFor('the serving CSR', async () => {
      const out = await cluster.k('get', 'csr');
      return /kubelet-serving.*Approved,Issued/.test(out) ? out : undefined;
    });
    assert.match(csrs, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION/);
    const id = joinArgs[joinArgs.indexOf('--token') + 1].split('.')[0];
    assert.match(csrs, new RegExp(`kubernetes.io/kube-apiserver-client-kubelet\\s+system:bootstrap:${id}\\s+<none>\\s+Approved,Issued`));
    assert.match(csrs, new RegExp(`kubernetes.io/kubelet-serving\\s+system:node:${NODE}\\s+<none>\\s+Approved,Issued`));
    assert.match(csrs, new RegExp(`kubernetes.io/kube-apiserver-client\\s+system:node:${NODE}\\s+<none>\\s+Approved,Issued`));
    // Kept in the agent's data dir, as kubelet keeps them.
    assert.ok(fs.existsSync(path.join(agentDir, 'kubelet.conf')));
    assert.equal(fs.statSync(path.join(agentDir, 'pki', 'kubelet-client-current.pem')).mode & 0o077, 0);

    await cluster.kIn(
      `apiVersion: v1
kind: Pod
metadata: {name: joined}
spec:
  nodeName: ${NODE}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo hello from ${NODE}; sleep 3600']
`,
      'apply',
      '-f',
      '-',
    );
    const ready = await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/joined', '--timeout=90s'], { timeoutMs: 100_000 });
    if (ready.code !== 0) {
      const describe = await cluster.kubectl(['describe', 'pod', 'joined']);
      assert.fail(`pod/joined not Ready:\n${describe.stdout}\n--- agent:\n${agentLog.slice(-6000)}`);
    }
    const logs = await cluster.waitFor('kubectl logs', async () => (await cluster.kubectl(['logs', 'joined'])).stdout, 30_000);
    assert.match(logs, new RegExp(`hello from ${NODE}`));
    const exec = await cluster.kubectl(['exec', 'joined', '--', 'sh', '-c', 'echo exec-ok $((6*7))']);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout.trim(), 'exec-ok 42');
  });

  test("the node's own certificate, with kubectl: no Secret its pods do not use, no other Node", async () => {
    assert.ok(agent, 'needs the joined agent');
    // kubelet.conf as the agent wrote it: the API server's address and CA, the node's certificate.
    const asNode = (...args: string[]) => cluster.kubectl(['--kubeconfig', path.join(agentDir, 'kubelet.conf'), ...args]);
    assert.equal((await asNode('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}')).stdout.trim(), `system:node:${NODE}`);
    await cluster.k('create', 'secret', 'generic', 'not-for-nodes', '--from-literal=k=v');
    const secret = await asNode('get', 'secret', 'not-for-nodes');
    assert.notEqual(secret.code, 0);
    assert.match(secret.stderr, /Forbidden.*no relationship found between node 'jn-agent' and this object/);
    const list = await asNode('get', 'secrets', '-A');
    assert.notEqual(list.code, 0);
    assert.match(list.stderr, /Forbidden/);
    const other = await asNode('label', 'node', 'jn-node', 'owned=yes');
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /Forbidden/);
    const own = await asNode('label', 'node', NODE, 'k8ts.test/own=yes');
    assert.equal(own.code, 0, own.stderr);
  });

  test('a restart needs no token: the node keeps its certificate', async () => {
    assert.ok(agent, 'needs the joined agent');
    const before = (await cluster.k('get', 'csr', '-o', 'name')).trim().split('\n').length;
    await stopAgent();
    const server = joinArgs[joinArgs.indexOf('--server') + 1];
    agent = startAgent(['agent', '--server', server]);
    await waitFor('the agent back', () => /joined/.test(agentLog) || (agent?.exitCode ?? null) !== null, 90_000);
    assert.match(agentLog, new RegExp(`node ${NODE} joined`), agentLog);
    const exec = await cluster.waitFor('exec after the restart', async () => {
      const r = await cluster.kubectl(['exec', 'joined', '--', 'echo', 'again']);
      return r.code === 0 ? r.stdout.trim() : undefined;
    });
    assert.equal(exec, 'again');
    const after = (await cluster.k('get', 'csr', '-o', 'name')).trim().split('\n').length;
    // Only a new serving certificate was asked for (a fresh key each start); the client certificate was reused.
    assert.ok(after - before <= 1, `${after - before} new CSRs`);
  });

  test('kubectl certificate approve and deny', async () => {
    const mk = async (name: string) => {
      const { csrPEM } = makeCSR({ commonName: `user-${name}`, organizations: ['devs'] });
      await cluster.kIn(
        JSON.stringify({
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { name },
          spec: {
            request: Buffer.from(csrPEM).toString('base64'),
            signerName: 'kubernetes.io/kube-apiserver-client',
            usages: ['client auth'],
            expirationSeconds: 3600,
          },
        }),
        'create',
        '-f',
        '-',
      );
    };
    await mk('alice');
    await mk('mallory');
    assert.match(await cluster.k('get', 'csr', 'alice'), /kubernetes.io\/kube-apiserver-client\s+kubernetes-admin\s+60m\s+Pending/);
    assert.match(await cluster.k('certificate', 'approve', 'alice'), /certificatesigningrequest.certificates.k8s.io\/alice approved/);
    assert.match(await cluster.k('certificate', 'deny', 'mallory'), /certificatesigningrequest.certificates.k8s.io\/mallory denied/);
    const issued = await cluster.waitFor('alice issued', async () => {
      const r = await cluster.kubectl(['get', 'csr', 'alice', '-o', 'jsonpath={.status.certificate}']);
      return r.stdout.trim() || undefined;
    });
    assert.match(Buffer.from(issued, 'base64').toString(), /BEGIN CERTIFICATE/);
    assert.match(await cluster.k('get', 'csr', 'alice'), /Approved,Issued/);
    assert.match(await cluster.k('get', 'csr', 'mallory'), /\sDenied\s*$/m);
    // Neither can be undone: approving the denied one is refused.
    const again = await cluster.kubectl(['certificate', 'approve', 'mallory']);
    assert.notEqual(again.code, 0);
  });

  test('a deleted token joins nothing', async () => {
    const r = await run(process.execPath, [CLI, 'token', 'create', '--print-join-command', '--data-dir', cluster.dataDir], {
      env: cluster.env(),
    });
    const args = r.stdout.trim().split(' ').slice(1);
    const token = args[args.indexOf('--token') + 1];
    const del = await run(process.execPath, [CLI, 'token', 'delete', token.split('.')[0], '--data-dir', cluster.dataDir], {
      env: cluster.env(),
    });
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout.trim(), `bootstrap token "${token.split('.')[0]}" deleted`);
    const other = path.join(cluster.dir, 'agent2');
    const join = await run(
      'ip',
      [
        'netns',
        'exec',
        NETNS,
        process.execPath,
        CLI,
        ...args,
        '--name',
        'jn-other',
        '--data-dir',
        other,
        '--port',
        '10251',
        '--discovery-timeout',
        '3s',
      ],
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal(join.code, 1, join.stdout + join.stderr);
    assert.match(join.stderr, /no JWS signed token in the cluster-info ConfigMap/);
    const nodes = await cluster.k('get', 'nodes', '-o', 'name');
    assert.ok(!nodes.includes('jn-other'));
  });
});
