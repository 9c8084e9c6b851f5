// Lifecycle actions through each family's own API (what the SDKs and the CLI call), and the
// task each one started: MRS answers with its command id and BMS v1 with a job id, which are
// the task's id; Nova, DBSS and Live do not, and their X-Request-Id finds the task.

import { get, request } from "./api.js";

/** The actions a resource of `kind` offers, each with the permission it needs. */
export const ACTIONS = {
  cluster_service: [
    { id: "start", label: "Start", permission: "mrs:service:start", engine: "start" },
    { id: "stop", label: "Stop", permission: "mrs:service:stop", engine: "stop" },
    { id: "restart", label: "Restart", permission: "mrs:service:restart", engine: "restart" },
  ],
  server: [
    { id: "start", label: "Start", permission: "nova:server:start", engine: "start" },
    { id: "stop", label: "Stop", permission: "nova:server:stop", engine: "stop" },
    { id: "reboot-hard", label: "Reboot (hard)", permission: "nova:server:reboot", engine: "restart" },
    { id: "reboot-soft", label: "Reboot (soft)", permission: "nova:server:reboot", engine: "restart" },
  ],
  dbom_instance: [
    { id: "start", label: "Start", permission: "dbss:instance:start", engine: "start" },
    { id: "stop", label: "Stop", permission: "dbss:instance:stop", engine: "stop" },
    { id: "reboot", label: "Reboot", permission: "dbss:instance:reboot", engine: "restart" },
  ],
  flow: [
    { id: "start", label: "Start", permission: "live:ott:updateFlowStatusStart", engine: "start" },
    { id: "stop", label: "Stop", permission: "live:ott:updateFlowStatusStop", engine: "stop" },
  ],
};

/** BMS v1 batch actions on a selection of servers. */
export const BATCH_ACTIONS = [
  { id: "start", label: "Start", permission: "bms:servers:start", engine: "start" },
  { id: "stop", label: "Stop", permission: "bms:servers:stop", engine: "stop" },
  { id: "reboot-hard", label: "Reboot (hard)", permission: "bms:servers:reboot", engine: "restart" },
  { id: "reboot-soft", label: "Reboot (soft)", permission: "bms:servers:reboot", engine: "restart" },
];

const enc = encodeURIComponent;

/** Runs `action` on `resource`; resolves to the task id, or null when nothing had to run. */
export async function perform(resource, action, { withDeps = true, project }) {
  let reply;
  switch (resource.kind) {
    case "cluster_service": {
      const path = `/web/v1/maintain/cluster/${enc(resource.cluster_id)}/service/${enc(resource.name)}/${action.id}`;
      reply = await request("POST", path, { only_self: !withDeps });
      return reply.body.id ?? null;
    }
    case "server": {
      const body =
        action.id === "start" ? { "os-start": null }
          : action.id === "stop" ? { "os-stop": null }
            : { reboot: { type: action.id === "reboot-soft" ? "SOFT" : "HARD" } };
      reply = await request("POST", `/v2.1/${enc(project)}/servers/${enc(resource.id)}/action`, body);
      break;
    }
    case "dbom_instance":
      reply = await request("POST", `/v1/${enc(project)}/db-om/${enc(resource.id)}/${action.id}`);
      break;
    case "flow":
      reply = await request("PUT", `/v1/${enc(project)}/flows/${action.id}?flow_id=${enc(resource.id)}`);
      break;
    default:
      throw new Error(`no actions for ${resource.kind}`);
  }
  return taskOfRequest(reply.headers.get("X-Request-Id"));
}

/** BMS v1 batch: one job for every selected server. */
export async function performBatch(servers, action, project) {
  const list = servers.map((s) => ({ id: s.id }));
  const type = action.id === "reboot-soft" ? "SOFT" : "HARD";
  const body =
    action.id === "start" ? { "os-start": { servers: list } }
      : action.id === "stop" ? { "os-stop": { type, servers: list } }
        : { reboot: { type, servers: list } };
  const reply = await request("POST", `/v1/${enc(project)}/baremetalservers/action`, body);
  const job = Number(reply.body.job_id);
  return Number.isFinite(job) ? job : null;
}

async function taskOfRequest(requestId) {
  if (!requestId) return null;
  const { tasks } = await get(`/switchboard/v1/tasks?request_id=${enc(requestId)}`);
  return tasks.length ? tasks[0].id : null;
}

/** What the engine would do for this action, without doing it. */
export async function preview(resourceIds, engineAction, withDeps) {
  const { body } = await request("POST", "/switchboard/v1/plans", {
    resources: resourceIds,
    action: engineAction,
    with_dependencies: withDeps,
  });
  return body.plan;
}
