using Approvals.Api;
using Approvals.Api.Auth;
using Approvals.Api.Persistence;

// One program, three roles (setting "Role", e.g. `dotnet run --project src/Approvals.Api -- --role worker`):
//   all (default)  the HTTP API and delivery;
//   api            the HTTP API only (the same as Delivery:Enabled=false);
//   worker         only delivery (also spelled dispatcher), answering /healthz and /readyz, so delivery scales apart
//                  from the API: on the postgres transport any number of dispatchers share the database
//                  (Outbox/DeliveryDispatcher.cs), on rabbitmq any number of workers share the delivery queue
//                  (Messaging/DeliveryWorker.cs). Every process also runs the rabbitmq transport's event relay, one
//                  of them active at a time (Messaging/EventRelay.cs).
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
