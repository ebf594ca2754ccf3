-- Argo CD health of a Kiot Product, Device or DeviceGroup.
-- Healthy: Ready. Degraded: Kiot waits for a person (a spec the platform
-- refuses, a resource ObserveOnly cannot find, a platform limit).
-- Suspended: paused. Progressing: anything Kiot is still working on.
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
local ready, synced
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then ready = condition end
  if condition.type == "Synced" then synced = condition end
end
local needsPerson = { InvalidSpec = true, ExternalResourceNotFound = true, GroupLimitReached = true }
for _, condition in ipairs({ synced, ready }) do
  if condition ~= nil and condition.status == "False" and needsPerson[condition.reason] then
    hs.status = "Degraded"
    hs.message = condition.reason .. ": " .. (condition.message or "")
    return hs
  end
end
-- Every reconcile stamps its conditions with the generation it saw.
local seen = (synced and synced.observedGeneration) or 0
if seen < (obj.metadata.generation or 0) then
  hs.message = "Kiot has not yet reconciled the latest spec"
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
  return hs
end
local current = ready or synced
if current ~= nil then
  hs.message = (current.reason or "") .. ": " .. (current.message or "")
end
return hs
