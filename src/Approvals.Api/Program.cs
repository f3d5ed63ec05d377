using Approvals.Api.Data;
using Approvals.Api.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddApprovalsApi();

var app = builder.Build();
app.UseApprovalsApi();
await app.InitializeDatabaseAsync();
await app.RunAsync();

/// <summary>Entry point; public so the tests' WebApplicationFactory can host it.</summary>
public partial class Program;
