// The default profile of kube-scheduler v1.32, for the plugins k8ts implements: filters in the
// default order (the first rejecting plugin names the reason) and scores with default weights
// (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2, NodeResourcesFit 1,
// NodeResourcesBalancedAllocation 1); VolumeBinding also reserves volumes and binds them before the pod.

import type { Handle, Profile } from '../framework.js';
import { NodeResourcesBalancedAllocation } from './balancedallocation.js';
import { NodeAffinity } from './nodeaffinity.js';
import { NodeName } from './nodename.js';
import { NodePorts } from './nodeports.js';
import { NodeResourcesFit } from './noderesourcesfit.js';
import { NodeUnschedulable } from './nodeunschedulable.js';
import { PodTopologySpread } from './podtopologyspread.js';
import { TaintToleration } from './tainttoleration.js';
import { VolumeBinding } from './volumebinding.js';

export function defaultProfile(handle: Handle): Profile {
  const nodeUnschedulable = new NodeUnschedulable();
  const nodeName = new NodeName();
  const taintToleration = new TaintToleration();
  const nodeAffinity = new NodeAffinity();
  const nodePorts = new NodePorts();
  const fit = new NodeResourcesFit();
  const spread = new PodTopologySpread(handle);
  const balanced = new NodeResourcesBalancedAllocation();
  const volumeBinding = new VolumeBinding(handle);
  return {
    preFilter: [nodeAffinity, nodePorts, volumeBinding],
    filter: [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, fit, volumeBinding],
    preScore: [taintToleration, nodeAffinity, spread],
    score: [
      { plugin: taintToleration, weight: 3 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: fit, weight: 1 },
      { plugin: spread, weight: 2 },
      { plugin: balanced, weight: 1 },
    ],
    reserve: [volumeBinding],
    preBind: [volumeBinding],
  };
}
