using Approvals.Domain;

namespace Approvals.Domain.Tests;

public sealed class ErrorCodesTests
{
    [Theory]
    [InlineData(ErrorCodes.ValidationFailed, ErrorKind.Validation)]
    [InlineData(ErrorCodes.NotAnApprover, ErrorKind.Forbidden)]
    [InlineData(ErrorCodes.ApprovalNotFound, ErrorKind.NotFound)]
    [InlineData(ErrorCodes.AlreadyVoted, ErrorKind.Conflict)]
    [InlineData(ErrorCodes.EventsCursorExpired, ErrorKind.Gone)]
    [InlineData(ErrorCodes.VersionMismatch, ErrorKind.PreconditionFailed)]
    [InlineData(ErrorCodes.PolicyUnmeetable, ErrorKind.Unprocessable)]
    [InlineData(ErrorCodes.ServiceUnavailable, ErrorKind.Unavailable)]
    public void An_error_takes_its_kind_from_its_code(string code, ErrorKind kind)
    {
        Assert.Equal(kind, ErrorCodes.KindOf(code));
        Assert.Equal(kind, new DomainError(code, "message").Kind);
    }

    [Theory]
    [InlineData(ErrorCodes.DeliveryRejected)]
    [InlineData(ErrorCodes.RateLimited)]
    [InlineData("approval.no_such_code")]
    public void A_code_without_a_kind_cannot_make_an_error(string code)
    {
        Assert.False(ErrorCodes.TryKindOf(code, out _));
        Assert.Throws<ArgumentException>(() => new DomainError(code, "message").Kind);
    }
}
