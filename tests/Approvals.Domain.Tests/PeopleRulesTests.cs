using Approvals.Domain;

namespace Approvals.Domain.Tests;

public class PeopleRulesTests
{
    [Theory]
    [InlineData("finance", true)]
    [InlineData("team-7", true)]
    [InlineData("a", true)]
    [InlineData("0ps", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("Finance", false)]
    [InlineData("-finance", false)]
    [InlineData("finance-", false)]
    [InlineData("fin--ance", false)]
    [InlineData("fin ance", false)]
    [InlineData("fin_ance", false)]
    [InlineData("fin.ance", false)]
    [InlineData("fïnance", false)]
    public void Group_names_are_lowercase_slugs(string? name, bool valid) =>
        Assert.Equal(valid, GroupNames.Check(name) is null);

    [Fact]
    public void Group_names_are_at_most_64_characters()
    {
        Assert.Null(GroupNames.Check(new string('a', 64)));
        Assert.NotNull(GroupNames.Check(new string('a', 65)));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("short", false)]
    [InlineData("elevenchars", false)]
    [InlineData("twelve chars", true)]
    [InlineData("            ", false)]
    public void Passwords_are_12_to_200_characters_and_not_blank(string? password, bool valid) =>
        Assert.Equal(valid, PasswordRules.Check(password) is null);

    [Fact]
    public void Passwords_longer_than_200_characters_are_refused()
    {
        Assert.Null(PasswordRules.Check(new string('p', 200)));
        Assert.NotNull(PasswordRules.Check(new string('p', 201)));
    }
}
