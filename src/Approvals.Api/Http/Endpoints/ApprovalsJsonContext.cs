using System.Text.Json.Serialization;
using System.Text.Json;
using Approvals.Api.Contracts;
using Approvals.Api.Features;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Webhooks;
using Approvals.Domain;

namespace Approvals.Api.Http.Endpoints;

/// <summary>Source-generated serializers for every request and response type: no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateApprovalRequest))]
[JsonSerializable(typeof(DecisionRequest))]
[JsonSerializable(typeof(VoteRequestBody))]
[JsonSerializable(typeof(ApproverSpec[]))]
[JsonSerializable(typeof(PolicySpec))]
[JsonSerializable(typeof(StageSpec[]))]
[JsonSerializable(typeof(EscalationSpec))]
[JsonSerializable(typeof(ApprovalResponse))]
[JsonSerializable(typeof(ApprovalPage))]
[JsonSerializable(typeof(InboxPage))]
[JsonSerializable(typeof(BulkVoteRequest))]
[JsonSerializable(typeof(BulkVoteResponse))]
[JsonSerializable(typeof(List<HistoryEntryResponse>))]
[JsonSerializable(typeof(StateMachineResponse))]
[JsonSerializable(typeof(List<DeliveryJobResponse>))]
[JsonSerializable(typeof(DeliveryError))]
[JsonSerializable(typeof(ServiceRuleRequest))]
[JsonSerializable(typeof(List<ServiceRuleResponse>))]
[JsonSerializable(typeof(ServiceRuleResponse))]
[JsonSerializable(typeof(ServiceRuleWithSecretResponse))]
[JsonSerializable(typeof(ServiceRuleHealthResponse))]
[JsonSerializable(typeof(LegacyCreateRequest))]
[JsonSerializable(typeof(LegacyUpdateRequest))]
[JsonSerializable(typeof(LegacyItemEnvelope))]
[JsonSerializable(typeof(LegacySingleItemsEnvelope))]
[JsonSerializable(typeof(LegacyListEnvelope))]
[JsonSerializable(typeof(LegacyStatus))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(CreateApiClientRequest))]
[JsonSerializable(typeof(List<ApiClientResponse>))]
[JsonSerializable(typeof(ApiClientWithKeyResponse))]
[JsonSerializable(typeof(EventPage))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(UpdateUserRequest))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(DelegationRequest))]
[JsonSerializable(typeof(CreateGroupRequest))]
[JsonSerializable(typeof(GroupMembersRequest))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(UserWithPasswordResponse))]
[JsonSerializable(typeof(UserPage))]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(DelegationResponse))]
[JsonSerializable(typeof(GroupResponse))]
[JsonSerializable(typeof(GroupPage))]
internal sealed partial class ApprovalsJsonContext : JsonSerializerContext;
