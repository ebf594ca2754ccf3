-- Argo CD health of a Kiot Product, Device, DeviceGroup or DistributeJob.
-- It uses only what Argo CD opens for an argocd-cm health script (the base,
-- table and package libraries and a reduced os): no string, no math.
-- Healthy: Ready=True. Degraded: Stalled=True, a state only a person can
-- end (a spec the platform refuses, a job that failed, was interrupted or
-- left devices undistributed, a platform limit). Suspended: paused.
-- Progressing: anything Kiot is still working on, with the reason.
local hs = { status = "Progressing", message = "Waiting for Kiot to reconcile" }
local annotations = obj.metadata.annotations
if annotations ~= nil and annotations["iot.kiot.dev/paused"] == "true" then
  hs.status = "Suspended"
  hs.message = "Reconciliation is paused by the iot.kiot.dev/paused annotation"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local ready, synced, stalled
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then ready = condition end
  if condition.type == "Synced" then synced = condition end
  if condition.type == "Stalled" then stalled = condition end
end
local function describe(condition)
  return (condition.reason or "") .. ": " .. (condition.message or "")
end
-- Every reconcile stamps its conditions with the generation it saw.
local seen = (synced and synced.observedGeneration) or 0
if seen < (obj.metadata.generation or 0) then
  hs.message = "Kiot has not yet reconciled the latest spec"
  return hs
end
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
  return hs
end
-- A failed reconcile explains more than the Ready it left behind.
local current = ready
if synced ~= nil and synced.status == "False" then current = synced end
if current ~= nil then
  hs.message = describe(current)
end
if obj.status.phase ~= nil then
  hs.message = "Phase " .. obj.status.phase .. ": " .. hs.message
end
return hs
