namespace Approvals.Api.Persistence.Data;

/// <summary>A local group of users, managed by admins; approvals can name it.</summary>
public sealed class Group
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<GroupMember> Members { get; set; } = [];
}

public sealed class GroupMember
{
    public Guid GroupId { get; set; }

    public Guid UserId { get; set; }

    public Group? Group { get; set; }

    public User? User { get; set; }
}
