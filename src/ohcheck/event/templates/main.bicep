// One team's resource group for an OpenHack for MLOps event, written by `ohcheck event setup`.
//
// The same template serves every team: infra/<team>.parameters.json holds the team's names
// (derived by ohcheck from the event's prefix and the team name), and deploy.sh adds the
// Entra ID object ids of the team's members and of the coaches, resolved at deploy time:
//
//   az deployment group create --resource-group RG --template-file infra/main.bicep \
//     --parameters @infra/TEAM.parameters.json \
//     --parameters memberObjectIds='["..."]' coachObjectIds='["..."]' instanceOwnerObjectId=...
//
// Deploying again is safe: every name is fixed, role assignments are named by guid() of
// their scope, principal and role, so a second run changes nothing that is already right.

@description('The Azure region of every resource (the event\'s region).')
param location string

@description('Tags on every resource: the event and the team, so cost reports and teardown can find them.')
param tags object

// The length limits of the names are Azure's, the same as ohcheck's (event_names.RULES): a name
// that breaks one is refused here, before anything is made, rather than halfway through.

@description('The Azure ML workspace the team works in.')
@minLength(3)
@maxLength(33)
param workspaceName string

@description('The workspace\'s default storage (datastores, run outputs, models).')
@minLength(3)
@maxLength(24)
param storageAccountName string

@description('The workspace\'s key vault (connection secrets).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('The workspace\'s container registry (environment and deployment images).')
@minLength(5)
@maxLength(50)
param containerRegistryName string

@description('Application Insights: the online endpoint\'s request logs and metrics.')
@minLength(1)
@maxLength(255)
param appInsightsName string

@description('The Log Analytics workspace Application Insights keeps its data in.')
@minLength(4)
@maxLength(63)
param logAnalyticsName string

@description('The training cluster; the challenges call it by this name.')
@minLength(2)
@maxLength(16)
param computeClusterName string

@description('The cluster\'s VM size.')
param clusterVmSize string

@description('How far the cluster may scale out (vCPU quota: see `ohcheck event preflight`).')
@minValue(1)
@maxValue(100)
param clusterMaxNodes int

@description('The team\'s compute instance (notebooks, the studio terminal).')
@minLength(3)
@maxLength(24)
param computeInstanceName string

@description('The compute instance\'s VM size.')
param instanceVmSize string

@description('Minutes of idleness after which the compute instance shuts itself down (Azure allows 15 to 1440).')
@minValue(15)
@maxValue(1440)
param instanceIdleMinutes int

@description('Entra ID object ids of the team\'s members (deploy.sh resolves them from event.yaml).')
param memberObjectIds array = []

@description('Entra ID object ids of the event\'s coaches.')
param coachObjectIds array = []

@description('The member the compute instance belongs to (an object id), or empty: then it belongs to whoever deploys.')
param instanceOwnerObjectId string = ''

// Built-in role definitions (the same ids in every tenant).
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
var dataScientistRoleId = 'f6c7c914-8db3-469d-8ca1-694a8f32e121'

// union() drops duplicates: a coach who is also a member, or a user listed twice, gets one
// assignment (two with the same guid() name would fail the deployment).
var dataScientists = union(memberObjectIds, coachObjectIds)
var readers = union(coachObjectIds, [])

// Application Insights keeps its data here (workspace-based: classic Application Insights is retired).
resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

// The online endpoint's logs and metrics (challenge 06 reads them).
resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
  }
}

// The workspace's default datastore: no anonymous blob access, TLS 1.2 only.
resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

// Secrets of the workspace's connections. Azure RBAC rather than access policies, so the roles
// below are the only access model; soft delete keeps a deleted vault recoverable for 7 days
// (no purge protection: teardown may purge it so the name can be used again).
resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

// Images of the team's environments and deployments. The workspace's identity pulls and pushes;
// nobody needs the admin user's password.
resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: containerRegistryName
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
  }
}

// The team's Azure ML workspace, linked to the four resources above; its system-assigned
// identity is what reaches them.
resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: workspaceName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  sku: {
    name: 'Basic'
    tier: 'Basic'
  }
  properties: {
    friendlyName: workspaceName
    storageAccount: storage.id
    keyVault: keyVault.id
    applicationInsights: appInsights.id
    containerRegistry: registry.id
    publicNetworkAccess: 'Enabled'
  }
}

// Training jobs and pipelines run here. minNodeCount 0: an idle cluster costs nothing, and it
// scales back down two minutes after the last job.
resource cluster 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  parent: workspace
  name: computeClusterName
  location: location
  tags: tags
  properties: {
    computeType: 'AmlCompute'
    properties: {
      vmSize: clusterVmSize
      vmPriority: 'Dedicated'
      scaleSettings: {
        minNodeCount: 0
        maxNodeCount: clusterMaxNodes
        nodeIdleTimeBeforeScaleDown: 'PT120S'
      }
    }
  }
}

// The team's notebook machine. It shuts itself down when idle, so a forgotten instance does not
// run all night; it belongs to the first member with a user, when there is one.
resource instance 'Microsoft.MachineLearningServices/workspaces/computes@2024-04-01' = {
  parent: workspace
  name: computeInstanceName
  location: location
  tags: tags
  properties: {
    computeType: 'ComputeInstance'
    properties: union({
      vmSize: instanceVmSize
      idleTimeBeforeShutdown: 'PT${instanceIdleMinutes}M'
    }, empty(instanceOwnerObjectId) ? {} : {
      personalComputeInstanceSettings: {
        assignedUser: {
          objectId: instanceOwnerObjectId
          tenantId: subscription().tenantId
        }
      }
    })
  }
}

// Members and coaches: AzureML Data Scientist on the workspace (run jobs, register models,
// deploy endpoints; not change the workspace itself or its roles).
resource dataScientistRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in dataScientists: {
  name: guid(workspace.id, principalId, dataScientistRoleId)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataScientistRoleId)
    principalId: principalId
    principalType: 'User'
  }
}]

// Coaches: Reader on the whole resource group, to look at every resource of every team.
resource coachReaderRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in readers: {
  name: guid(resourceGroup().id, principalId, readerRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: principalId
    principalType: 'User'
  }
}]

output workspaceName string = workspace.name
output workspaceId string = workspace.id
output studioUrl string = 'https://ml.azure.com/?wsid=${workspace.id}'
