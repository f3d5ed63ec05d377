using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddApprovalsApi();

var app = builder.Build();
if (CreateAdminCommand.IsRequested(args))
{
    Environment.ExitCode = await CreateAdminCommand.RunAsync(app, args, Console.Out, Console.Error);
    return;
}

app.UseApprovalsApi();
await app.InitializeDatabaseAsync();
await app.RunAsync();

/// <summary>Entry point; public so the tests' WebApplicationFactory can host it.</summary>
public partial class Program;
