"""The official Python client (kubernetes, as Debian's python3-kubernetes ships it) against k8ts,
used the way Python users use it. Run by test/e2e/python.test.ts against a `k8ts up` cluster:
KUBECONFIG names the cluster, K8TS_NAMESPACE a namespace of this run's own, K8TS_POD a Running
pod of the bootcamp image there (its app answers on 8080 and logs a line per request).
"""

import json
import os
import queue
import socket
import threading
import time
import unittest

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from kubernetes.stream import portforward, stream

NS = os.environ["K8TS_NAMESPACE"]
POD = os.environ["K8TS_POD"]


def wait_until(what, fn, timeout=30):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            v = fn()
            if v:
                return v
        except ApiException as e:
            last = e
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s (%s)" % (what, last))


def deployment(name, replicas=1, image="docker.io/library/busybox:latest"):
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="main", image=image, command=["sleep", "3600"])]),
            ),
        ),
    )


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config.load_kube_config()
        cls.core = client.CoreV1Api()
        cls.apps = client.AppsV1Api()

    def test_list_and_create(self):
        names = [n.metadata.name for n in self.core.list_namespace().items]
        self.assertIn("kube-system", names)
        self.assertIn(NS, names)
        cm = self.core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="created", labels={"py": "yes"}), data={"k": "v"}))
        self.assertEqual(cm.metadata.namespace, NS)
        listed = self.core.list_namespaced_config_map(NS, label_selector="py=yes")
        self.assertEqual([c.metadata.name for c in listed.items], ["created"])
        self.assertEqual(self.core.read_namespaced_config_map("created", NS).data, {"k": "v"})
        page = self.core.list_namespaced_pod(NS, limit=1)
        self.assertLessEqual(len(page.items), 1)
        with self.assertRaises(ApiException) as e:
            self.core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="created")))
        self.assertEqual(e.exception.status, 409)
        self.assertEqual(json.loads(e.exception.body)["reason"], "AlreadyExists")

    def test_patch_strategic_merge_json(self):
        self.apps.create_namespaced_deployment(NS, deployment("patched"))
        # A dict is sent as a strategic merge patch: containers merge by name.
        d = self.apps.patch_namespaced_deployment("patched", NS, {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "docker.io/library/busybox:1.36"}]}}}})
        self.assertEqual([(c.name, c.image, c.command) for c in d.spec.template.spec.containers], [("main", "docker.io/library/busybox:1.36", ["sleep", "3600"])])
        # A list is sent as a JSON patch.
        d = self.apps.patch_namespaced_deployment("patched", NS, [{"op": "replace", "path": "/spec/replicas", "value": 2}, {"op": "add", "path": "/metadata/labels", "value": {"via": "json-patch"}}])
        self.assertEqual(d.spec.replicas, 2)
        self.assertEqual(d.metadata.labels, {"via": "json-patch"})
        # A merge patch, the way Python users ask for one: the Content-Type as a default header.
        api_client = client.ApiClient()
        api_client.set_default_header("Content-Type", "application/merge-patch+json")
        d = client.AppsV1Api(api_client).patch_namespaced_deployment("patched", NS, {"metadata": {"labels": {"via": None, "merge": "yes"}}, "spec": {"replicas": 0}})
        self.assertEqual(d.metadata.labels, {"merge": "yes"})
        self.assertEqual(d.spec.replicas, 0)
        # A merge patch replaces lists whole: the command goes.
        d = client.AppsV1Api(api_client).patch_namespaced_deployment("patched", NS, {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "docker.io/library/busybox:latest"}]}}}})
        self.assertIsNone(d.spec.template.spec.containers[0].command)
        # Server-side dry run: nothing changes.
        self.apps.patch_namespaced_deployment("patched", NS, {"spec": {"replicas": 5}}, dry_run="All")
        self.assertEqual(self.apps.read_namespaced_deployment("patched", NS).spec.replicas, 0)

    def test_watch_in_order_and_resume(self):
        self.core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w0")))
        events = queue.Queue()
        w = watch.Watch()

        def run():
            try:
                for e in w.stream(self.core.list_namespaced_config_map, NS, timeout_seconds=30):
                    events.put((e["type"], e["object"].metadata.name, e["object"].metadata.resource_version))
            except Exception as ex:  # surfaces below as a missing event
                events.put(("EXCEPTION", repr(ex), ""))

        t = threading.Thread(target=run, daemon=True)
        t.start()

        def next_event(want_name):
            deadline = time.time() + 15
            while time.time() < deadline:
                typ, name, rv = events.get(timeout=max(0.1, deadline - time.time()))
                self.assertNotEqual(typ, "EXCEPTION", name)
                if name == want_name:
                    return typ, rv
            raise AssertionError("no event for %s" % want_name)

        # Without a resourceVersion the watch starts with what exists: then it is live.
        self.assertEqual(next_event("w0")[0], "ADDED")
        self.core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w1"), data={"n": "1"}))
        self.core.patch_namespaced_config_map("w1", NS, {"data": {"n": "2"}})
        self.core.delete_namespaced_config_map("w1", NS)
        seen = [next_event("w1") for _ in range(3)]
        self.assertEqual([s[0] for s in seen], ["ADDED", "MODIFIED", "DELETED"])
        w.stop()
        # Resume from a resourceVersion: only what came after it.
        last_rv = seen[1][1]
        resumed = []
        for e in watch.Watch().stream(self.core.list_namespaced_config_map, NS, resource_version=last_rv, timeout_seconds=2):
            resumed.append((e["type"], e["object"].metadata.name))
        self.assertEqual([r for r in resumed if r[1] == "w1"], [("DELETED", "w1")])

    def test_watch_bookmark(self):
        types = []
        start = time.time()
        for e in watch.Watch().stream(self.core.list_namespaced_config_map, NS, allow_watch_bookmarks=True, timeout_seconds=4):
            types.append(e["type"])
            if e["type"] == "BOOKMARK":
                self.assertRegex(e["raw_object"]["metadata"]["resourceVersion"], r"^\d+$")
                break
        self.assertIn("BOOKMARK", types)
        self.assertLess(time.time() - start, 4, "the bookmark came before the watch's timeout")

    def test_pod_log_follow(self):
        logs = self.core.read_namespaced_pod_log(POD, NS)
        self.assertIn("Kubernetes Bootcamp App Started At", logs)
        requests_before = logs.count("Total Requests")
        resp = self.core.read_namespaced_pod_log(POD, NS, follow=True, _preload_content=False, _request_timeout=(10, 20))
        # Each request to the app is a log line: one made now must arrive on the open stream.
        self.core.connect_get_namespaced_pod_proxy_with_path(POD + ":8080", NS, "")
        text = ""
        for chunk in resp.stream(64):
            text += chunk.decode()
            if text.count("Total Requests") > requests_before:
                break
        resp.close()
        self.assertIn("Running On: %s | Total Requests: %d" % (POD, requests_before + 1), text)
        tail = self.core.read_namespaced_pod_log(POD, NS, tail_lines=1)
        self.assertEqual(len(tail.strip().splitlines()), 1)
        # The follow as Watch gives it, line by line.
        lines = []
        for line in watch.Watch().stream(self.core.read_namespaced_pod_log, name=POD, namespace=NS, follow=True, _request_timeout=(10, 20)):
            lines.append(line)
            if "Started At" in line:
                break
        self.assertIn("Kubernetes Bootcamp App Started At", lines[-1])

    def test_exec_output_and_exit_code(self):
        out = stream(self.core.connect_get_namespaced_pod_exec, POD, NS, command=["sh", "-c", "echo from-stdout; echo from-stderr >&2"],
                     stderr=True, stdin=False, stdout=True, tty=False)
        self.assertIn("from-stdout", out)
        self.assertIn("from-stderr", out)
        resp = stream(self.core.connect_get_namespaced_pod_exec, POD, NS, command=["sh", "-c", "echo before; exit 3"],
                      stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
        resp.run_forever(timeout=20)
        self.assertEqual(resp.read_stdout(), "before\n")
        self.assertEqual(resp.returncode, 3)
        ok = stream(self.core.connect_get_namespaced_pod_exec, POD, NS, command=["true"], stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
        ok.run_forever(timeout=20)
        self.assertEqual(ok.returncode, 0)

    def test_exec_stdin(self):
        resp = stream(self.core.connect_get_namespaced_pod_exec, POD, NS, command=["sh", "-c", "read line; echo got:$line"],
                      stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
        resp.write_stdin("hello from python\n")
        resp.run_forever(timeout=20)
        self.assertEqual(resp.read_stdout(), "got:hello from python\n")
        self.assertEqual(resp.returncode, 0)

    def test_portforward(self):
        pf = portforward(self.core.connect_get_namespaced_pod_portforward, POD, NS, ports="8080")
        sock = pf.socket(8080)
        sock.setblocking(True)
        sock.settimeout(20)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        sock.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:100])
        self.assertIn(("Hello Kubernetes bootcamp! | Running on: %s | v=1" % POD).encode(), data)
        self.assertIsNone(pf.error(8080))

    def test_delete_propagation(self):
        def replicasets(app):
            return [rs for rs in self.apps.list_namespaced_replica_set(NS, label_selector="app=" + app).items if not rs.metadata.deletion_timestamp]

        for policy in ["Orphan", "Background", "Foreground"]:
            name = "del-" + policy.lower()
            self.apps.create_namespaced_deployment(NS, deployment(name, replicas=0))
            rs = wait_until("the ReplicaSet of " + name, lambda: replicasets(name))[0]
            if policy == "Orphan":
                # In the body, as V1DeleteOptions.
                self.apps.delete_namespaced_deployment(name, NS, body=client.V1DeleteOptions(propagation_policy=policy))
            else:
                # As the query parameter.
                self.apps.delete_namespaced_deployment(name, NS, propagation_policy=policy)
            wait_until("%s gone" % name, lambda: name not in [d.metadata.name for d in self.apps.list_namespaced_deployment(NS).items])
            if policy == "Orphan":
                kept = self.apps.read_namespaced_replica_set(rs.metadata.name, NS)
                self.assertFalse(kept.metadata.owner_references, "an orphan has no owner")
                self.apps.delete_namespaced_replica_set(rs.metadata.name, NS)
            else:
                wait_until("the ReplicaSet of %s collected" % name, lambda: rs.metadata.name not in [r.metadata.name for r in self.apps.list_namespaced_replica_set(NS).items])
        with self.assertRaises(ApiException) as e:
            self.core.delete_namespaced_config_map("nope", NS, propagation_policy="Sideways")
        self.assertIn(e.exception.status, (404, 422))

    def test_informer_list_then_watch(self):
        """What an informer does: list, then watch from the list's resourceVersion, re-watching on each timeout."""
        for i in range(3):
            self.core.create_namespaced_secret(NS, client.V1Secret(metadata=client.V1ObjectMeta(name="inf-%d" % i, labels={"inf": "yes"}), string_data={"i": str(i)}))
        store = {}
        listed = self.core.list_namespaced_secret(NS, label_selector="inf=yes")
        for s in listed.items:
            store[s.metadata.name] = s.metadata.resource_version
        rv = listed.metadata.resource_version
        self.assertEqual(sorted(store), ["inf-0", "inf-1", "inf-2"])

        def mutate():
            time.sleep(0.3)
            self.core.delete_namespaced_secret("inf-0", NS)
            self.core.patch_namespaced_secret("inf-1", NS, {"metadata": {"annotations": {"touched": "yes"}}})
            self.core.create_namespaced_secret(NS, client.V1Secret(metadata=client.V1ObjectMeta(name="inf-3", labels={"inf": "yes"})))

        threading.Thread(target=mutate, daemon=True).start()
        want = None
        deadline = time.time() + 30
        rounds = 0
        while time.time() < deadline:
            rounds += 1
            w = watch.Watch()
            for e in w.stream(self.core.list_namespaced_secret, NS, label_selector="inf=yes", resource_version=rv, timeout_seconds=1, allow_watch_bookmarks=True):
                obj = e["raw_object"]
                rv = obj["metadata"]["resourceVersion"]
                if e["type"] == "DELETED":
                    store.pop(obj["metadata"]["name"], None)
                elif e["type"] in ("ADDED", "MODIFIED"):
                    store[obj["metadata"]["name"]] = rv
            want = {s.metadata.name: s.metadata.resource_version for s in self.core.list_namespaced_secret(NS, label_selector="inf=yes").items}
            if store == want and "inf-3" in store:
                break
        self.assertEqual(store, want)
        self.assertEqual(sorted(store), ["inf-1", "inf-2", "inf-3"])
        self.assertGreaterEqual(rounds, 1)


if __name__ == "__main__":
    unittest.main()
