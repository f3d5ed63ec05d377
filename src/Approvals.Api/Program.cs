using Approvals.Api;
using Approvals.Api.Auth;
using Approvals.Api.Persistence;

// One program, three roles (setting "Role", e.g. `dotnet run --project src/Approvals.Api -- --role dispatcher`):
//   all (default)  the HTTP API and the delivery dispatcher;
//   api            the HTTP API only (the same as Delivery:Enabled=false);
//   dispatcher     only the delivery dispatcher, answering /healthz and /readyz, so dispatchers scale apart from
//                  the API. Any number of dispatchers can share the database (see Delivery/DeliveryDispatcher.cs).
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
