-- Argo CD health of a Kiot ProviderConfig.
-- It uses only what Argo CD opens for an argocd-cm health script (the base,
-- table and package libraries and a reduced os): no string, no math.
-- Healthy: its credentials load (Ready=True). Degraded: they do not (a
-- missing Secret or key, an incomplete environment, an invalid spec); Kiot
-- looks again when the Secret changes. Progressing: not yet checked.
local hs = { status = "Progressing", message = "Waiting for Kiot to check the credentials" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if (obj.status.observedGeneration or 0) < (obj.metadata.generation or 0) then
  hs.message = "Kiot has not yet checked the latest spec"
  return hs
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    if condition.status == "True" then
      hs.status = "Healthy"
      hs.message = condition.message or "Credentials available"
    else
      hs.status = "Degraded"
      hs.message = (condition.reason or "") .. ": " .. (condition.message or "")
    end
  end
end
return hs
