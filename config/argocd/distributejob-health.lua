-- Argo CD health of a Kiot DistributeJob.
-- Healthy: the job completed and every device was distributed.
-- Progressing: waiting for its product or devices, for a free job slot
-- (QuotaExceeded), running, or checking where the devices went.
-- Degraded: the job failed or was interrupted, some devices were not
-- distributed, or the platform refused the spec.
-- Suspended: paused.
local hs = { status = "Progressing", message = "Waiting for Kiot to create the job" }
local annotations = obj.metadata.annotations
if annotations ~= nil and annotations["iot.kiot.dev/paused"] == "true" then
  hs.status = "Suspended"
  hs.message = "Reconciliation is paused by the iot.kiot.dev/paused annotation"
  return hs
end
if obj.status == nil then
  return hs
end
local ready, synced
for _, condition in ipairs(obj.status.conditions or {}) do
  if condition.type == "Ready" then ready = condition end
  if condition.type == "Synced" then synced = condition end
end
if synced ~= nil and synced.status == "False" and synced.reason == "InvalidSpec" then
  hs.status = "Degraded"
  hs.message = "InvalidSpec: " .. (synced.message or "")
  return hs
end
local phase = obj.status.phase or "Pending"
if phase == "Failed" or phase == "Interrupted" then
  hs.status = "Degraded"
  hs.message = "The distribution job " .. string.lower(phase) .. ": " .. ((ready and ready.message) or "")
  return hs
end
if phase == "Completed" then
  if ready ~= nil and ready.status == "True" then
    hs.status = "Healthy"
    hs.message = ready.message or "Every device was distributed"
  elseif ready ~= nil and ready.reason == "CheckingTargets" then
    hs.message = ready.message or "Checking where the devices went"
  else
    hs.status = "Degraded"
    hs.message = (ready and ready.message) or "Some devices were not distributed"
  end
  return hs
end
hs.message = "Phase " .. phase
if ready ~= nil and ready.message ~= nil then
  hs.message = hs.message .. ": " .. ready.message
end
return hs
