// What `k8ts tutorial` teaches: the walkthrough of SCENARIO.md (the Kubernetes Basics
// tutorial), one step per command, for someone who has never used Kubernetes. Each step says
// the idea in plain words, names the exact command, and afterwards points at what in the real
// output shows that idea. The runner is tutorial.ts.

export interface RunResult {
  code: number;
  out: string;
}

export interface StepContext {
  /** Values found on the way: POD_NAME, RS_NAME, NODE_PORT, NODE_ADDRESS, NODE_NAME. */
  vars: Record<string, string>;
  /** kubectl against the tutorial's cluster, output captured (for the steps' own checks). */
  kubectl(args: string[]): Promise<RunResult>;
}

export interface Step {
  id: string;
  section: string;
  title: string;
  /** The idea, in plain words; paragraphs separated by blank lines. */
  concept: string;
  /** kubectl's arguments (`$NAME` is replaced by a value found earlier), or a URL for curl. */
  kubectl?: string[];
  curl?: string;
  /** `kubectl proxy` on a free port, then curl through it. */
  proxyPath?: string;
  /** Runs the command again (quietly) until its output shows this, up to timeoutMs. */
  retry?: { until: (r: RunResult, c: StepContext) => boolean; waiting: string; timeoutMs: number };
  /** A problem with the output (the step did not show what it should), or undefined. */
  expect?: (r: RunResult, c: StepContext) => string | undefined;
  /** Keeps values from the output for later steps. */
  capture?: (r: RunResult, c: StepContext) => Promise<void> | void;
  /** What to look at in the output. */
  look: (r: RunResult, c: StepContext) => string[];
  /** Runs before the step (e.g. finding the node's address). */
  prepare?: (c: StepContext) => Promise<void>;
  /** services: needs a service proxy that carries traffic to NodePorts. */
  tags?: string[];
}

export const DEPLOYMENT = 'kubernetes-bootcamp';
const IMAGE_V1 = 'gcr.io/google-samples/kubernetes-bootcamp:v1';
const IMAGE_V2 = 'docker.io/jocatalin/kubernetes-bootcamp:v2';
const IMAGE_BAD = 'gcr.io/google-samples/kubernetes-bootcamp:v10';

/** The first line of out matching re, trimmed (for quoting the output back). */
export function lineWith(out: string, re: RegExp): string | undefined {
  return out
    .split('\n')
    .find((l) => re.test(l))
    ?.trim();
}

function quote(line: string | undefined, fallback = '(not in the output)'): string {
  return line ? `"${line.length > 110 ? `${line.slice(0, 107)}...` : line}"` : fallback;
}

/** Rows of a kubectl table (header first). */
function rows(out: string): string[][] {
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s{2,}|\t/));
}

function col(out: string, name: string): string[] {
  const [head, ...body] = rows(out);
  const i = head?.indexOf(name) ?? -1;
  return i < 0 ? [] : body.map((r) => r[i] ?? '');
}

function podNames(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n.startsWith(`${DEPLOYMENT}-`));
}

async function readyPods(c: StepContext): Promise<string[]> {
  const r = await c.kubectl([
    'get',
    'pods',
    '-l',
    `app=${DEPLOYMENT}`,
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}{" "}{.metadata.deletionTimestamp}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
  ]);
  return r.out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 2 && f[1] === 'True')
    .map((f) => f[0]);
}

async function nodeAddress(c: StepContext): Promise<void> {
  if (c.vars.NODE_ADDRESS) return;
  const r = await c.kubectl([
    'get',
    'nodes',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.addresses[?(@.type=="InternalIP")].address}{" "}{.metadata.annotations.kwok\\.x-k8s\\.io/node}{"\\n"}{end}',
  ]);
  // A node that runs processes (not a simulated one) answers on its NodePorts.
  const real = r.out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f.length === 2);
  if (real) {
    c.vars.NODE_NAME = real[0];
    c.vars.NODE_ADDRESS = real[1];
  }
}

const pointsTo = (line: string | undefined, meaning: string) => `${quote(line)}: ${meaning}`;

export const STEPS: Step[] = [
  // ---- 0. A cluster -------------------------------------------------------------------------
  {
    id: 'nodes',
    section: 'A cluster',
    title: 'Meet the cluster',
    concept:
      'A Kubernetes cluster is a group of machines, called nodes, that run programs for you. You tell the cluster what you want running; it decides where, starts it, and keeps it running.\n\nkubectl is the command you talk to the cluster with. First, ask it which nodes this cluster has.',
    kubectl: ['get', 'nodes'],
    retry: { until: (r) => /\sReady\s/.test(r.out), waiting: 'waiting for the node to be Ready', timeoutMs: 60_000 },
    expect: (r) => (/\sReady\s/.test(r.out) ? undefined : 'no node is Ready'),
    capture: (_r, c) => nodeAddress(c),
    look: (r) => [pointsTo(lineWith(r.out, /\sReady\s/), 'this node is Ready: it takes work. Here it is this very computer.')],
  },
  // ---- 1. Pods, through a Deployment -------------------------------------------------------
  {
    id: 'create-deployment',
    section: 'Pods, through a Deployment',
    title: 'Ask for an app to run',
    concept:
      'The smallest thing Kubernetes runs is a Pod: one or more containers (programs with their own files) that share one IP address.\n\nYou rarely make Pods by hand. Instead you create a Deployment: a standing request such as "keep one copy of this app running". The cluster then makes the Pod for you, and makes a new one if it goes away.',
    kubectl: ['create', 'deployment', DEPLOYMENT, `--image=${IMAGE_V1}`],
    expect: (r) => (r.code === 0 ? undefined : 'the Deployment was not created'),
    look: (r) => [
      pointsTo(
        lineWith(r.out, /created/),
        'the request is stored in the cluster. Nothing has run yet: the cluster works on it in the background.',
      ),
    ],
  },
  {
    id: 'get-deployments',
    section: 'Pods, through a Deployment',
    title: 'Is the app running?',
    concept: 'A Deployment reports how close the cluster is to what you asked for.',
    kubectl: ['get', 'deployments'],
    retry: { until: (r) => col(r.out, 'READY')[0] === '1/1', waiting: 'waiting until the app is ready (READY 1/1)', timeoutMs: 120_000 },
    expect: (r) => (col(r.out, 'READY')[0] === '1/1' ? undefined : 'the Deployment is not READY 1/1'),
    look: (r) => [
      pointsTo(
        lineWith(r.out, new RegExp(DEPLOYMENT)),
        'READY 1/1 means one copy is wanted and one is ready to serve; UP-TO-DATE 1 is running the newest version of your request; AVAILABLE 1 has been ready long enough to count on.',
      ),
    ],
  },
  {
    id: 'get-pods',
    section: 'Pods, through a Deployment',
    title: 'See the pod',
    concept:
      "The Deployment made a Pod. Its name is the Deployment's name, then a code for this version of the request, then a random part.",
    kubectl: ['get', 'pods'],
    retry: { until: (r) => /\sRunning\s/.test(r.out), waiting: 'waiting for the pod to run', timeoutMs: 60_000 },
    capture: (r, c) => {
      const p = podNames(r.out)[0];
      if (p) c.vars.POD_NAME = p;
    },
    expect: (r) => (podNames(r.out).length ? undefined : 'no kubernetes-bootcamp pod'),
    look: (r) => [
      pointsTo(
        lineWith(r.out, new RegExp(DEPLOYMENT)),
        'STATUS Running: its container runs. A Pod starts Pending (waiting for a node and its image), then Running; a finished one is Succeeded or Failed.',
      ),
    ],
  },
  {
    id: 'describe-pods',
    section: 'Pods, through a Deployment',
    title: 'Everything about the pod',
    concept:
      '`describe` tells the whole story of an object: where it runs, its address, its containers, and the events that happened to it.',
    kubectl: ['describe', 'pods'],
    look: (r) => [
      pointsTo(lineWith(r.out, /^Node:/), 'the node the scheduler picked for it.'),
      pointsTo(lineWith(r.out, /^IP:/), "the Pod's own IP address; every Pod gets one."),
      pointsTo(lineWith(r.out, /^\s+Image:/), 'the container image it runs.'),
      pointsTo(lineWith(r.out, /Normal\s+Scheduled/), 'the Events at the bottom: Scheduled, Pulled, Created, Started, in that order.'),
    ],
  },
  {
    id: 'pod-name',
    section: 'Pods, through a Deployment',
    title: "Keep the pod's name",
    concept:
      "The next commands need the Pod's name. This asks kubectl for just the names, through a small template. In your own shell you would keep it in a variable:\n  export POD_NAME=$(kubectl get pods -o go-template --template '{{range .items}}{{.metadata.name}}{{\"\\n\"}}{{end}}')\nThe tutorial keeps it for you as $POD_NAME.",
    kubectl: ['get', 'pods', '-o', 'go-template', '--template', '{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}'],
    capture: (r, c) => {
      const p = podNames(r.out)[0];
      if (p) c.vars.POD_NAME = p;
    },
    expect: (r) => (r.code === 0 && podNames(r.out).length ? undefined : 'no pod name came back'),
    look: (_r, c) => [`${quote(c.vars.POD_NAME)}: from now on, $POD_NAME stands for this name.`],
  },
  {
    id: 'logs',
    section: 'Pods, through a Deployment',
    title: 'Read what the app printed',
    concept: 'Whatever a container prints is kept as its log.',
    kubectl: ['logs', '$POD_NAME'],
    retry: { until: (r) => /Started At/.test(r.out), waiting: "waiting for the app's first line", timeoutMs: 30_000 },
    expect: (r) => (/Kubernetes Bootcamp App Started At/.test(r.out) ? undefined : "the app's start line is not in the log"),
    look: (r) => [pointsTo(lineWith(r.out, /Started At/), 'the app says when it started and which Pod it runs in.')],
  },
  {
    id: 'exec-env',
    section: 'Pods, through a Deployment',
    title: 'Run a command inside the container',
    concept: '`kubectl exec` runs a command inside a running container. `env` prints the environment the container sees.',
    kubectl: ['exec', '$POD_NAME', '--', 'env'],
    expect: (r, c) => (r.out.includes(`HOSTNAME=${c.vars.POD_NAME}`) ? undefined : "HOSTNAME is not the pod's name"),
    look: (r) => [
      pointsTo(lineWith(r.out, /^HOSTNAME=/), "inside, the machine's name is the Pod's name."),
      pointsTo(lineWith(r.out, /^KUBERNETES_SERVICE_HOST=/), "every container is told where the cluster's own API is."),
    ],
  },
  {
    id: 'exec-source',
    section: 'Pods, through a Deployment',
    title: "Look at the app's files",
    concept:
      'The container has its own files: the app\'s source is in its working directory. (For a shell inside the container, run `kubectl exec -ti "$POD_NAME" -- bash` after the tutorial, and `exit` to leave it.)',
    kubectl: ['exec', '$POD_NAME', '--', 'cat', 'server.js'],
    expect: (r) => (/listen|http/.test(r.out) ? undefined : 'server.js was not shown'),
    look: (r) => [pointsTo(lineWith(r.out, /listen/), 'the app listens on port 8080 inside its Pod.')],
  },
  {
    id: 'exec-curl',
    section: 'Pods, through a Deployment',
    title: 'Ask the app from inside its pod',
    concept: 'Inside the Pod, the app answers on localhost:8080: containers of one Pod share one network.',
    kubectl: ['exec', '$POD_NAME', '--', 'curl', '-s', 'http://localhost:8080'],
    expect: (r) => (/Hello Kubernetes bootcamp!/.test(r.out) ? undefined : 'the app did not answer'),
    look: (r) => [pointsTo(lineWith(r.out, /Hello/), 'the answer names the Pod that served it and the version (v=1).')],
  },
  {
    id: 'proxy',
    section: 'Pods, through a Deployment',
    title: 'Reach the pod from your computer',
    concept:
      "`kubectl proxy` opens the cluster's API on your computer, without a password; through it you can reach a Pod's port. The tutorial starts it in the background on a free port, asks the app through it, and stops it again.",
    proxyPath: '/api/v1/namespaces/default/pods/$POD_NAME:8080/proxy/',
    expect: (r) => (/Hello Kubernetes bootcamp!/.test(r.out) ? undefined : 'the app did not answer through kubectl proxy'),
    look: (r) => [pointsTo(lineWith(r.out, /Hello/), 'the same app, reached from outside the cluster through its API.')],
  },
  {
    id: 'pod-yaml',
    section: 'Pods, through a Deployment',
    title: 'The pod as the cluster stores it',
    concept: 'Every object is a document: `spec` is what was asked for, `status` what is. `-o yaml` shows all of it.',
    kubectl: ['get', 'pods', '$POD_NAME', '-o', 'yaml'],
    look: (r) => [
      pointsTo(lineWith(r.out, /^\s+phase:/), 'status.phase: where the Pod is in its life.'),
      pointsTo(lineWith(r.out, /^\s+podIP:/), 'status.podIP: the address from `describe`.'),
      pointsTo(lineWith(r.out, /^\s+image:/), 'spec.containers[].image: what you asked for.'),
    ],
  },
  // ---- 2. ReplicaSets keep the count -------------------------------------------------------
  {
    id: 'get-rs',
    section: 'ReplicaSets keep the count',
    title: 'Who keeps the count',
    concept:
      'A Deployment does not make Pods itself. It makes a ReplicaSet, whose one job is to keep a number of identical Pods running: if one goes, it makes another.',
    kubectl: ['get', 'rs'],
    capture: (r, c) => {
      const n = lineWith(r.out, new RegExp(`^${DEPLOYMENT}-`))?.split(/\s+/)[0];
      if (n) c.vars.RS_NAME = n;
    },
    look: (r) => [
      pointsTo(
        lineWith(r.out, new RegExp(`^${DEPLOYMENT}-`)),
        "DESIRED 1, CURRENT 1, READY 1: one Pod wanted, one exists, one is ready. Its name is the Deployment's plus the code you saw in the Pod's name.",
      ),
    ],
  },
  {
    id: 'delete-pod',
    section: 'ReplicaSets keep the count',
    title: 'Delete the pod',
    concept: 'Take the Pod away and watch the ReplicaSet put the count right.',
    kubectl: ['delete', 'pod', '$POD_NAME'],
    capture: (_r, c) => {
      c.vars.OLD_POD = c.vars.POD_NAME;
    },
    look: (r) => [pointsTo(lineWith(r.out, /deleted/), 'the Pod is gone (its app stopped). One fewer than DESIRED...')],
  },
  {
    id: 'replaced',
    section: 'ReplicaSets keep the count',
    title: 'A new pod took its place',
    concept: 'The ReplicaSet saw one Pod missing and made a new one, with a new name and a new IP.',
    kubectl: ['get', 'pods', '-o', 'wide'],
    retry: {
      until: (r, c) =>
        podNames(r.out).some((p) => p !== c.vars.OLD_POD) && !r.out.includes(c.vars.OLD_POD ?? '\0') && /\sRunning\s/.test(r.out),
      waiting: 'waiting for the replacement to run',
      timeoutMs: 90_000,
    },
    capture: (r, c) => {
      const p = podNames(r.out).find((n) => n !== c.vars.OLD_POD);
      if (p) c.vars.POD_NAME = p;
    },
    expect: (r, c) => (podNames(r.out).some((p) => p !== c.vars.OLD_POD) ? undefined : 'no new pod replaced the deleted one'),
    look: (r, c) => [
      pointsTo(
        lineWith(r.out, new RegExp(c.vars.POD_NAME ?? DEPLOYMENT)),
        `a new name (the old one was ${c.vars.OLD_POD}) and its own IP. $POD_NAME now means this one.`,
      ),
    ],
  },
  {
    id: 'scale-up',
    section: 'ReplicaSets keep the count',
    title: 'Ask for four',
    concept: 'Scaling changes the count the Deployment asks for; its ReplicaSet does the rest.',
    kubectl: ['scale', `deployments/${DEPLOYMENT}`, '--replicas=4'],
    look: (r) => [pointsTo(lineWith(r.out, /scaled/), 'the new count is stored; Pods are being made.')],
  },
  {
    id: 'four-pods',
    section: 'ReplicaSets keep the count',
    title: 'Four pods, four addresses',
    concept:
      "Each Pod has an IP of its own, even two Pods on one node: all four apps listen on port 8080 without getting in each other's way.",
    kubectl: ['get', 'pods', '-o', 'wide'],
    retry: {
      until: (r) => (r.out.match(/\sRunning\s/g) ?? []).length === 4 && podNames(r.out).length === 4,
      waiting: 'waiting for 4 pods to run',
      timeoutMs: 120_000,
    },
    expect: (r) => (podNames(r.out).length === 4 ? undefined : `${podNames(r.out).length} pods instead of 4`),
    look: (r) => [`${quote(String(new Set(col(r.out, 'IP')).size), '?')} different IPs in the IP column, one per Pod.`],
  },
  {
    id: 'scale-down',
    section: 'ReplicaSets keep the count',
    title: 'Back to two',
    concept: 'Lower the count: the ReplicaSet stops the Pods that are no longer wanted.',
    kubectl: ['scale', `deployments/${DEPLOYMENT}`, '--replicas=2'],
    capture: async (_r, c) => {
      // Wait for the two that stay, so the next step names one of them.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const pods = await readyPods(c);
        const all = podNames((await c.kubectl(['get', 'pods', '-l', `app=${DEPLOYMENT}`])).out);
        if (pods.length === 2 && all.length === 2) {
          c.vars.POD_NAME = pods[0];
          return;
        }
        if (Date.now() > deadline) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    look: (r) => [pointsTo(lineWith(r.out, /scaled/), 'two of the four Pods are stopped.')],
  },
  {
    id: 'owner',
    section: 'ReplicaSets keep the count',
    title: 'Who owns a pod',
    concept: 'Each Pod records which object owns it. That is how a ReplicaSet knows which Pods are its own.',
    kubectl: ['get', 'pods', '$POD_NAME', '-o', 'yaml'],
    look: (r) => [
      pointsTo(lineWith(r.out, /^\s+kind: ReplicaSet/), 'in metadata.ownerReferences: the owner is a ReplicaSet...'),
      pointsTo(
        lineWith(r.out, new RegExp(`^\\s+name: ${DEPLOYMENT}-[a-z0-9]+$`)),
        '...this one (its name is the one `kubectl get rs` showed).',
      ),
    ],
  },
  {
    id: 'orphan',
    section: 'ReplicaSets keep the count',
    title: 'Delete the ReplicaSet but keep its pods',
    concept:
      'Deleting an owner normally deletes what it owns. `--cascade=orphan` deletes only the ReplicaSet: its Pods stay, with no owner.',
    kubectl: ['delete', 'rs', '$RS_NAME', '--cascade=orphan'],
    look: (r) => [pointsTo(lineWith(r.out, /deleted/), 'the ReplicaSet is gone; nothing happened to the Pods.')],
  },
  {
    id: 'orphan-after',
    section: 'ReplicaSets keep the count',
    title: 'The pods stayed',
    concept:
      'The Deployment still wants its app running, so it made the ReplicaSet again (same name: same version of the request). The new ReplicaSet found the ownerless Pods that match it and adopted them instead of making new ones.',
    kubectl: ['get', 'rs,pods'],
    retry: {
      until: (r) => /^replicaset\.apps\/\S+\s+2\s+2\s+2/m.test(r.out),
      waiting: 'waiting for the ReplicaSet to come back and adopt the pods',
      timeoutMs: 60_000,
    },
    expect: (r, c) => (r.out.includes(c.vars.POD_NAME ?? '\0') ? undefined : `${c.vars.POD_NAME} is gone`),
    look: (r, c) => [
      pointsTo(lineWith(r.out, /^replicaset\.apps\//), 'the ReplicaSet is back...'),
      pointsTo(
        lineWith(r.out, new RegExp(c.vars.POD_NAME ?? DEPLOYMENT)),
        '...and this Pod is the same one as before (same name, same AGE).',
      ),
    ],
  },
  {
    id: 'delete-rs',
    section: 'ReplicaSets keep the count',
    title: 'Delete the ReplicaSet and its pods',
    concept: "Without --cascade=orphan, the ReplicaSet's Pods go with it; the Deployment then makes a new ReplicaSet and new Pods.",
    kubectl: ['delete', 'rs', '$RS_NAME'],
    capture: (_r, c) => {
      c.vars.OLD_POD = c.vars.POD_NAME;
    },
    look: (r) => [pointsTo(lineWith(r.out, /deleted/), 'the ReplicaSet and its two Pods are being deleted.')],
  },
  {
    id: 'delete-rs-after',
    section: 'ReplicaSets keep the count',
    title: 'New pods again',
    concept: 'The Deployment is what you asked for; everything below it is rebuilt from it.',
    kubectl: ['get', 'rs,pods'],
    retry: {
      until: (r, c) =>
        /^replicaset\.apps\/\S+\s+2\s+2\s+2/m.test(r.out) &&
        !r.out.includes(c.vars.OLD_POD ?? '\0') &&
        (r.out.match(/\sRunning\s/g) ?? []).length === 2,
      waiting: 'waiting for the new pods',
      timeoutMs: 90_000,
    },
    capture: (r, c) => {
      const p = podNames(r.out.replace(/^pod\//gm, '')).find((n) => n !== c.vars.OLD_POD);
      if (p) c.vars.POD_NAME = p;
    },
    look: (r) => [pointsTo(lineWith(r.out, /^pod\/.*Running/), 'new Pods with new names, made through a new ReplicaSet.')],
  },
  // ---- 3. Services -------------------------------------------------------------------------
  {
    id: 'get-services',
    section: 'Services: one stable address',
    title: 'Services',
    concept:
      'Pods come and go, and each new one has a new IP. A Service gives a set of Pods one address that does not change, and spreads requests over them. The cluster has one Service already: `kubernetes`, its own API.',
    kubectl: ['get', 'services'],
    look: (r) => [
      pointsTo(lineWith(r.out, /^kubernetes\s/), 'TYPE ClusterIP: an address inside the cluster, reachable from every Pod and node.'),
    ],
  },
  {
    id: 'expose',
    section: 'Services: one stable address',
    title: 'Give the app a Service',
    concept:
      "`expose` makes a Service for the Deployment's Pods. Type NodePort also opens one port on every node, so the app can be reached from outside the cluster.",
    kubectl: ['expose', `deployment/${DEPLOYMENT}`, '--type=NodePort', '--port', '8080'],
    look: (r) => [pointsTo(lineWith(r.out, /exposed/), 'the Service exists.')],
  },
  {
    id: 'get-services-2',
    section: 'Services: one stable address',
    title: "The Service's addresses",
    concept: 'A NodePort Service has a cluster address and a port on each node.',
    kubectl: ['get', 'services'],
    look: (r) => [
      pointsTo(
        lineWith(r.out, new RegExp(`^${DEPLOYMENT}\\s`)),
        'CLUSTER-IP is the stable address inside; in PORT(S), 8080:3xxxx means port 8080 on that address, and port 3xxxx on every node.',
      ),
    ],
  },
  {
    id: 'describe-service',
    section: 'Services: one stable address',
    title: 'Which pods are behind it',
    concept:
      'A Service finds its Pods by their labels (here app=kubernetes-bootcamp). The addresses of the matching, ready Pods are its Endpoints.',
    kubectl: ['describe', `services/${DEPLOYMENT}`],
    retry: { until: (r) => /^Endpoints:\s+\d/m.test(r.out), waiting: 'waiting for the endpoints', timeoutMs: 30_000 },
    look: (r) => [
      pointsTo(lineWith(r.out, /^Selector:/), 'the labels it looks for.'),
      pointsTo(lineWith(r.out, /^Endpoints:/), "the two Pods' IP:8080; they change as Pods are replaced, the Service's address does not."),
    ],
  },
  {
    id: 'node-port',
    section: 'Services: one stable address',
    title: 'Keep the node port',
    concept:
      "As with the Pod's name, keep the node port for the next steps. In your shell:\n  export NODE_PORT=$(kubectl get services/kubernetes-bootcamp -o go-template='{{(index .spec.ports 0).nodePort}}')",
    kubectl: ['get', `services/${DEPLOYMENT}`, '-o', 'go-template={{(index .spec.ports 0).nodePort}}'],
    capture: (r, c) => {
      const p = r.out.trim();
      if (/^\d+$/.test(p)) c.vars.NODE_PORT = p;
    },
    expect: (r) => (/^\d+$/.test(r.out.trim()) ? undefined : 'no node port'),
    look: (_r, c) => [`${quote(c.vars.NODE_PORT)}: $NODE_PORT from now on.`],
  },
  {
    id: 'curl-nodeport',
    section: 'Services: one stable address',
    title: 'Reach the app through the Service',
    concept: "From outside the cluster, any node's address and the node port reach the app. Which Pod answers is up to the Service.",
    prepare: nodeAddress,
    curl: 'http://$NODE_ADDRESS:$NODE_PORT',
    tags: ['services'],
    retry: { until: (r) => /Hello Kubernetes bootcamp!/.test(r.out), waiting: 'waiting for the node port to answer', timeoutMs: 30_000 },
    expect: (r) => (/Hello Kubernetes bootcamp!/.test(r.out) ? undefined : 'the node port did not answer'),
    look: (r) => [pointsTo(lineWith(r.out, /Hello/), '"Running on" names the Pod that answered; ask again and it may be the other one.')],
  },
  {
    id: 'get-pods-label',
    section: 'Services: one stable address',
    title: 'Pods by label',
    concept:
      'Labels are how Kubernetes groups things. The Deployment put app=kubernetes-bootcamp on its Pods; `-l` selects by label, as the Service does.',
    kubectl: ['get', 'pods', '-l', `app=${DEPLOYMENT}`],
    look: (r) => [pointsTo(lineWith(r.out, new RegExp(DEPLOYMENT)), 'only the Pods carrying that label.')],
  },
  {
    id: 'label',
    section: 'Services: one stable address',
    title: 'Add a label',
    concept: 'You can add labels of your own to any object.',
    kubectl: ['label', 'pods', '$POD_NAME', 'version=v1'],
    look: (r) => [pointsTo(lineWith(r.out, /labeled/), 'the Pod now also carries version=v1.')],
  },
  {
    id: 'get-pods-version',
    section: 'Services: one stable address',
    title: 'Select by the new label',
    concept: 'Now this one Pod can be picked out by its label.',
    kubectl: ['get', 'pods', '-l', 'version=v1'],
    expect: (r, c) => (r.out.includes(c.vars.POD_NAME ?? '\0') ? undefined : 'the labelled pod is not listed'),
    look: (r, c) => [pointsTo(lineWith(r.out, new RegExp(c.vars.POD_NAME ?? DEPLOYMENT)), 'just the Pod you labelled.')],
  },
  {
    id: 'delete-service',
    section: 'Services: one stable address',
    title: 'Delete the Service',
    concept: 'Deleting the Service removes the address, not the app.',
    kubectl: ['delete', 'service', '-l', `app=${DEPLOYMENT}`],
    look: (r) => [pointsTo(lineWith(r.out, /deleted/), 'the Service is gone; the Pods still run (check with kubectl get pods).')],
  },
  {
    id: 'curl-gone',
    section: 'Services: one stable address',
    title: 'The node port no longer answers',
    concept: 'With the Service gone, nothing answers on the node port; the app itself still runs in its Pods.',
    curl: 'http://$NODE_ADDRESS:$NODE_PORT',
    tags: ['services'],
    retry: { until: (r) => r.code !== 0, waiting: 'waiting for the port to close', timeoutMs: 30_000 },
    expect: (r) => (r.code !== 0 ? undefined : 'the node port still answers'),
    look: (r) => [`${quote(r.out.trim().split('\n')[0] || `curl exit code ${r.code}`)}: no answer; the Service was the only way in.`],
  },
  // ---- 4. Rolling updates ------------------------------------------------------------------
  {
    id: 'expose-again',
    section: 'Rolling updates, with no downtime',
    title: 'A Service again',
    concept: 'For the update, bring the Service back, so you can watch the app answer while it changes. It gets a new node port.',
    kubectl: ['expose', `deployment/${DEPLOYMENT}`, '--type=NodePort', '--port', '8080'],
    capture: async (_r, c) => {
      const r = await c.kubectl(['get', `services/${DEPLOYMENT}`, '-o', 'go-template={{(index .spec.ports 0).nodePort}}']);
      if (/^\d+$/.test(r.out.trim())) c.vars.NODE_PORT = r.out.trim();
    },
    look: (r, c) => [
      pointsTo(lineWith(r.out, /exposed/), `the Service is back, on node port ${c.vars.NODE_PORT ?? '?'} ($NODE_PORT now).`),
    ],
  },
  {
    id: 'set-image-v2',
    section: 'Rolling updates, with no downtime',
    title: 'Update the app to version 2',
    concept:
      "Changing a Deployment's image starts a rolling update: a new ReplicaSet grows while the old one shrinks, a Pod or so at a time, so some Pods serve all along.",
    kubectl: ['set', 'image', `deployments/${DEPLOYMENT}`, `${DEPLOYMENT}=${IMAGE_V2}`],
    look: (r) => [pointsTo(lineWith(r.out, /image updated/), 'the request changed; the update has begun.')],
  },
  {
    id: 'rollout-status',
    section: 'Rolling updates, with no downtime',
    title: 'Follow the update',
    concept: '`rollout status` waits and reports until the update is done.',
    kubectl: ['rollout', 'status', `deployments/${DEPLOYMENT}`, '--timeout=180s'],
    expect: (r) => (/successfully rolled out/.test(r.out) ? undefined : 'the rollout did not finish'),
    look: (r) => [pointsTo(lineWith(r.out, /successfully rolled out/), 'every Pod now runs version 2.')],
  },
  {
    id: 'curl-v2',
    section: 'Rolling updates, with no downtime',
    title: 'Version 2 answers',
    concept: 'The same address now reaches the new version.',
    prepare: nodeAddress,
    curl: 'http://$NODE_ADDRESS:$NODE_PORT',
    tags: ['services'],
    retry: { until: (r) => /v=2/.test(r.out), waiting: 'waiting for the node port to answer', timeoutMs: 30_000 },
    expect: (r) => (/v=2/.test(r.out) ? undefined : 'version 2 did not answer'),
    look: (r) => [pointsTo(lineWith(r.out, /Hello/), 'v=2 at the end.')],
  },
  {
    id: 'set-image-bad',
    section: 'Rolling updates, with no downtime',
    title: 'An update that goes wrong',
    concept:
      'Now ask for a version that does not exist (v10). The new Pods cannot get their image, so the update stops there, and the old Pods keep serving.',
    kubectl: ['set', 'image', `deployments/${DEPLOYMENT}`, `${DEPLOYMENT}=${IMAGE_BAD}`],
    look: (r) => [pointsTo(lineWith(r.out, /image updated/), 'the update begins...')],
  },
  {
    id: 'pull-error',
    section: 'Rolling updates, with no downtime',
    title: 'See it fail',
    concept: 'A Pod whose image cannot be fetched shows why in its STATUS, and the cluster keeps trying, waiting longer each time.',
    kubectl: ['get', 'pods'],
    retry: { until: (r) => /ErrImagePull|ImagePullBackOff/.test(r.out), waiting: 'waiting for the pull to fail', timeoutMs: 90_000 },
    expect: (r) => (/ErrImagePull|ImagePullBackOff/.test(r.out) ? undefined : 'no pod shows ErrImagePull or ImagePullBackOff'),
    look: (r) => [
      pointsTo(
        lineWith(r.out, /ErrImagePull|ImagePullBackOff/),
        'the new Pod cannot start: ErrImagePull, then ImagePullBackOff while it waits to try again.',
      ),
      pointsTo(lineWith(r.out, /\sRunning\s/), 'the old Pods are still Running: nobody lost the app.'),
    ],
  },
  {
    id: 'describe-bad',
    section: 'Rolling updates, with no downtime',
    title: 'Why it failed',
    concept: 'The Events of the failing Pod say what went wrong.',
    kubectl: ['describe', 'pods'],
    look: (r) => [pointsTo(lineWith(r.out, /Failed.*(pull|image)/i), "the pull failure, with the image's name.")],
  },
  {
    id: 'undo',
    section: 'Rolling updates, with no downtime',
    title: 'Roll back',
    concept: 'A Deployment remembers its earlier versions. `rollout undo` goes back to the previous one.',
    kubectl: ['rollout', 'undo', `deployments/${DEPLOYMENT}`],
    look: (r) => [pointsTo(lineWith(r.out, /rolled back/), 'back to version 2.')],
  },
  {
    id: 'history',
    section: 'Rolling updates, with no downtime',
    title: 'The history',
    concept: 'Each version the Deployment ran is a revision.',
    kubectl: ['rollout', 'history', `deployments/${DEPLOYMENT}`],
    look: (r) => [pointsTo(lineWith(r.out, /REVISION/), 'one line per revision: v1, then v10 (undone), and v2 again as the newest.')],
  },
  {
    id: 'undo-status',
    section: 'Rolling updates, with no downtime',
    title: 'Back to a healthy app',
    concept: 'Wait for the rollback to finish.',
    kubectl: ['rollout', 'status', `deployments/${DEPLOYMENT}`, '--timeout=180s'],
    expect: (r) => (/successfully rolled out/.test(r.out) ? undefined : 'the rollback did not finish'),
    look: (r) => [pointsTo(lineWith(r.out, /successfully rolled out/), 'all Pods run version 2 again.')],
  },
  // ---- 5. Nodes ----------------------------------------------------------------------------
  {
    id: 'cordon',
    section: 'Nodes come and go',
    title: 'Take a node out of service',
    concept:
      'Before maintenance you cordon a node: it keeps what runs on it, but takes nothing new. (`kubectl drain` would also move its Pods elsewhere.)',
    prepare: nodeAddress,
    kubectl: ['cordon', '$NODE_NAME'],
    look: (r) => [pointsTo(lineWith(r.out, /cordoned/), 'new Pods will not be placed here.')],
  },
  {
    id: 'cordoned',
    section: 'Nodes come and go',
    title: 'The node says so',
    concept: "The node's status shows it.",
    kubectl: ['get', 'nodes'],
    look: (r) => [pointsTo(lineWith(r.out, /SchedulingDisabled/), 'Ready, but SchedulingDisabled.')],
  },
  {
    id: 'uncordon',
    section: 'Nodes come and go',
    title: 'Back in service',
    concept: '`uncordon` lets the node take work again.',
    kubectl: ['uncordon', '$NODE_NAME'],
    look: (r) => [pointsTo(lineWith(r.out, /uncordoned/), 'the node takes new Pods again.')],
  },
];

/** What the tutorial removes at the end (or before starting over): everything it made. */
export const CLEANUP: { display: string; kubectl: string[] }[] = [
  { display: `kubectl delete service ${DEPLOYMENT} --ignore-not-found`, kubectl: ['delete', 'service', DEPLOYMENT, '--ignore-not-found'] },
  {
    display: `kubectl delete deployment ${DEPLOYMENT} --ignore-not-found --wait`,
    kubectl: ['delete', 'deployment', DEPLOYMENT, '--ignore-not-found', '--wait'],
  },
];
