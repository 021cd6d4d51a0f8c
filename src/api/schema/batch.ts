// batch/v1: Job and CronJob with their specs, statuses and lists.
// Field numbers from k8s.io/api batch/v1 generated.proto (v1.32); keepZero from the Go types:
// pointers (parallelism, completions, backoffLimit, suspend, ...), json tags without omitempty
// (template, jobTemplate, schedule, a condition's type and status), and non-pointer structs.

import type { TypeDef } from './types.js';

const BATCH = 'io.k8s.api.batch.v1';
const batch = (name: string): string => `${BATCH}.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const POD_TEMPLATE_SPEC = 'io.k8s.api.core.v1.PodTemplateSpec';
const OBJECT_REFERENCE = 'io.k8s.api.core.v1.ObjectReference';
const gvk = (kind: string) => [{ group: 'batch', version: 'v1', kind }];

export const BATCH_V1_TYPES: TypeDef[] = [
  {
    name: batch('Job'),
    description: 'Job represents the configuration of a single job.',
    gvk: gvk('Job'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: batch('JobSpec'), keepZero: true, description: 'Specification of the desired behavior of a job.' },
      { json: 'status', proto: 3, type: batch('JobStatus'), keepZero: true, description: 'Current status of a job.' },
    ],
  },
  {
    name: batch('JobSpec'),
    description: 'JobSpec describes how the job execution will look like.',
    fields: [
      { json: 'parallelism', proto: 1, type: 'int32', keepZero: true, description: 'Specifies the maximum desired number of pods the job should run at any given time.' },
      { json: 'completions', proto: 2, type: 'int32', keepZero: true, description: 'Specifies the desired number of successfully finished pods the job should be run with.' },
      { json: 'activeDeadlineSeconds', proto: 3, type: 'int64', keepZero: true, description: 'Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it; value must be positive integer.' },
      { json: 'podFailurePolicy', proto: 11, type: batch('PodFailurePolicy'), keepZero: true, description: 'Specifies the policy of handling failed pods.' },
      { json: 'successPolicy', proto: 16, type: batch('SuccessPolicy'), keepZero: true, description: 'successPolicy specifies the policy when the Job can be declared as succeeded.' },
      { json: 'backoffLimit', proto: 7, type: 'int32', keepZero: true, description: 'Specifies the number of retries before marking this job failed. Defaults to 6' },
      { json: 'backoffLimitPerIndex', proto: 12, type: 'int32', keepZero: true, description: 'Specifies the limit for the number of retries within an index before marking this index as failed.' },
      { json: 'maxFailedIndexes', proto: 13, type: 'int32', keepZero: true, description: 'Specifies the maximal number of failed indexes before marking the Job as failed, when backoffLimitPerIndex is set.' },
      { json: 'selector', proto: 4, type: meta('LabelSelector'), keepZero: true, description: 'A label query over pods that should match the pod count.' },
      { json: 'manualSelector', proto: 5, type: 'bool', keepZero: true, description: 'manualSelector controls generation of pod labels and pod selectors.' },
      { json: 'template', proto: 6, type: POD_TEMPLATE_SPEC, keepZero: true, required: true, description: 'Describes the pod that will be created when executing a job.' },
      { json: 'ttlSecondsAfterFinished', proto: 8, type: 'int32', keepZero: true, description: 'ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed).' },
      { json: 'completionMode', proto: 9, type: 'string', keepZero: true, enum: ['Indexed', 'NonIndexed'], description: 'completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`.' },
      { json: 'suspend', proto: 10, type: 'bool', keepZero: true, description: 'suspend specifies whether the Job controller should create Pods or not.' },
      { json: 'podReplacementPolicy', proto: 14, type: 'string', keepZero: true, enum: ['Failed', 'TerminatingOrFailed'], description: 'podReplacementPolicy specifies when to create replacement Pods.' },
      { json: 'managedBy', proto: 15, type: 'string', keepZero: true, description: 'ManagedBy field indicates the controller that manages a Job.' },
    ],
  },
  {
    name: batch('JobStatus'),
    description: 'JobStatus represents the current state of a Job.',
    fields: [
      {
        json: 'conditions', proto: 1, type: batch('JobCondition'), list: true, mergeKey: 'type', patchStrategy: 'merge', listType: 'atomic',
        description: "The latest available observations of an object's current state.",
      },
      { json: 'startTime', proto: 2, type: 'Time', description: 'Represents time when the job controller started processing a job.' },
      { json: 'completionTime', proto: 3, type: 'Time', description: 'Represents time when the job was completed.' },
      { json: 'active', proto: 4, type: 'int32', description: 'The number of pending and running pods which are not terminating (without a deletionTimestamp).' },
      { json: 'succeeded', proto: 5, type: 'int32', description: 'The number of pods which reached phase Succeeded.' },
      { json: 'failed', proto: 6, type: 'int32', description: 'The number of pods which reached phase Failed.' },
      { json: 'terminating', proto: 11, type: 'int32', keepZero: true, description: 'The number of pods which are terminating (in phase Pending or Running and have a deletionTimestamp).' },
      { json: 'completedIndexes', proto: 7, type: 'string', description: 'completedIndexes holds the completed indexes when .spec.completionMode = "Indexed" in a text format.' },
      { json: 'failedIndexes', proto: 10, type: 'string', keepZero: true, description: 'FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set.' },
      { json: 'uncountedTerminatedPods', proto: 8, type: batch('UncountedTerminatedPods'), keepZero: true, description: "uncountedTerminatedPods holds the UIDs of Pods that have terminated but the job controller hasn't yet accounted for in the status counters." },
      { json: 'ready', proto: 9, type: 'int32', keepZero: true, description: 'The number of active pods which have a Ready condition and are not terminating (without a deletionTimestamp).' },
    ],
  },
  {
    name: batch('JobCondition'),
    description: 'JobCondition describes current state of a job.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Type of job condition, Complete or Failed.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Status of the condition, one of True, False, Unknown.' },
      { json: 'lastProbeTime', proto: 3, type: 'Time', description: 'Last time the condition was checked.' },
      { json: 'lastTransitionTime', proto: 4, type: 'Time', description: 'Last time the condition transit from one status to another.' },
      { json: 'reason', proto: 5, type: 'string', description: "(brief) reason for the condition's last transition." },
      { json: 'message', proto: 6, type: 'string', description: 'Human readable message indicating details about last transition.' },
    ],
  },
  {
    name: batch('UncountedTerminatedPods'),
    description: "UncountedTerminatedPods holds UIDs of Pods that have terminated but haven't been accounted in Job status counters.",
    fields: [
      { json: 'succeeded', proto: 1, type: 'string', list: true, listType: 'set', description: 'succeeded holds UIDs of succeeded Pods.' },
      { json: 'failed', proto: 2, type: 'string', list: true, listType: 'set', description: 'failed holds UIDs of failed Pods.' },
    ],
  },
  {
    name: batch('PodFailurePolicy'),
    description: 'PodFailurePolicy describes how failed pods influence the backoffLimit.',
    fields: [
      { json: 'rules', proto: 1, type: batch('PodFailurePolicyRule'), list: true, listType: 'atomic', required: true, description: 'A list of pod failure policy rules. The rules are evaluated in order.' },
    ],
  },
  {
    name: batch('PodFailurePolicyRule'),
    description: 'PodFailurePolicyRule describes how a pod failure is handled when the requirements are met.',
    fields: [
      { json: 'action', proto: 1, type: 'string', keepZero: true, required: true, enum: ['Count', 'FailIndex', 'FailJob', 'Ignore'], description: 'Specifies the action taken on a pod failure when the requirements are satisfied.' },
      { json: 'onExitCodes', proto: 2, type: batch('PodFailurePolicyOnExitCodesRequirement'), keepZero: true, description: 'Represents the requirement on the container exit codes.' },
      { json: 'onPodConditions', proto: 3, type: batch('PodFailurePolicyOnPodConditionsPattern'), list: true, listType: 'atomic', description: 'Represents the requirement on the pod conditions.' },
    ],
  },
  {
    name: batch('PodFailurePolicyOnExitCodesRequirement'),
    description: 'PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a failed pod based on its container exit codes.',
    fields: [
      { json: 'containerName', proto: 1, type: 'string', keepZero: true, description: 'Restricts the check for exit codes to the container with the specified name.' },
      { json: 'operator', proto: 2, type: 'string', keepZero: true, required: true, enum: ['In', 'NotIn'], description: 'Represents the relationship between the container exit code(s) and the specified values.' },
      { json: 'values', proto: 3, type: 'int32', list: true, listType: 'set', required: true, description: 'Specifies the set of values.' },
    ],
  },
  {
    name: batch('PodFailurePolicyOnPodConditionsPattern'),
    description: 'PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual pod condition type.',
    fields: [
      { json: 'type', proto: 1, type: 'string', keepZero: true, required: true, description: 'Specifies the required Pod condition type.' },
      { json: 'status', proto: 2, type: 'string', keepZero: true, required: true, description: 'Specifies the required Pod condition status.' },
    ],
  },
  {
    name: batch('SuccessPolicy'),
    description: 'SuccessPolicy describes when a Job can be declared as succeeded based on the success of some indexes.',
    fields: [
      { json: 'rules', proto: 1, type: batch('SuccessPolicyRule'), list: true, listType: 'atomic', required: true, description: 'rules represents the list of alternative rules for the declaring the Jobs as successful before `.status.succeeded >= .spec.completions`.' },
    ],
  },
  {
    name: batch('SuccessPolicyRule'),
    description: 'SuccessPolicyRule describes rule for declaring a Job as succeeded.',
    fields: [
      { json: 'succeededIndexes', proto: 1, type: 'string', keepZero: true, description: 'succeededIndexes specifies the set of indexes which need to be contained in the actual set of the succeeded indexes for the Job.' },
      { json: 'succeededCount', proto: 2, type: 'int32', keepZero: true, description: 'succeededCount specifies the minimal required size of the actual set of the succeeded indexes for the Job.' },
    ],
  },
  {
    name: batch('JobList'),
    description: 'JobList is a collection of jobs.',
    gvk: gvk('JobList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: batch('Job'), list: true, required: true, description: 'items is the list of Jobs.' },
    ],
  },
  {
    name: batch('JobTemplateSpec'),
    description: 'JobTemplateSpec describes the data a Job should have when created from a template',
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata of the jobs created from this template." },
      { json: 'spec', proto: 2, type: batch('JobSpec'), keepZero: true, description: 'Specification of the desired behavior of the job.' },
    ],
  },
  {
    name: batch('CronJob'),
    description: 'CronJob represents the configuration of a single cron job.',
    gvk: gvk('CronJob'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: batch('CronJobSpec'), keepZero: true, description: 'Specification of the desired behavior of a cron job, including the schedule.' },
      { json: 'status', proto: 3, type: batch('CronJobStatus'), keepZero: true, description: 'Current status of a cron job.' },
    ],
  },
  {
    name: batch('CronJobSpec'),
    description: 'CronJobSpec describes how the job execution will look like and when it will actually run.',
    fields: [
      { json: 'schedule', proto: 1, type: 'string', keepZero: true, required: true, description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' },
      { json: 'timeZone', proto: 8, type: 'string', keepZero: true, description: 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.' },
      { json: 'startingDeadlineSeconds', proto: 2, type: 'int64', keepZero: true, description: 'Optional deadline in seconds for starting the job if it misses scheduled time for any reason.' },
      { json: 'concurrencyPolicy', proto: 3, type: 'string', enum: ['Allow', 'Forbid', 'Replace'], description: 'Specifies how to treat concurrent executions of a Job.' },
      { json: 'suspend', proto: 4, type: 'bool', keepZero: true, description: 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.' },
      { json: 'jobTemplate', proto: 5, type: batch('JobTemplateSpec'), keepZero: true, required: true, description: 'Specifies the job that will be created when executing a CronJob.' },
      { json: 'successfulJobsHistoryLimit', proto: 6, type: 'int32', keepZero: true, description: 'The number of successful finished jobs to retain. Value must be non-negative integer. Defaults to 3.' },
      { json: 'failedJobsHistoryLimit', proto: 7, type: 'int32', keepZero: true, description: 'The number of failed finished jobs to retain. Value must be non-negative integer. Defaults to 1.' },
    ],
  },
  {
    name: batch('CronJobStatus'),
    description: 'CronJobStatus represents the current state of a cron job.',
    fields: [
      { json: 'active', proto: 1, type: OBJECT_REFERENCE, list: true, listType: 'atomic', description: 'A list of pointers to currently running jobs.' },
      { json: 'lastScheduleTime', proto: 4, type: 'Time', description: 'Information when was the last time the job was successfully scheduled.' },
      { json: 'lastSuccessfulTime', proto: 5, type: 'Time', description: 'Information when was the last time the job successfully completed.' },
    ],
  },
  {
    name: batch('CronJobList'),
    description: 'CronJobList is a collection of cron jobs.',
    gvk: gvk('CronJobList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: batch('CronJob'), list: true, required: true, description: 'items is the list of CronJobs.' },
    ],
  },
];
