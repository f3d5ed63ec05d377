namespace Approvals.Api.Persistence;

/// <summary>
/// Told when a unit of work that appended approval events has committed (the event feed's long polls wait for
/// this). Implemented outside persistence, registered in the container; the unit of work knows only this interface.
/// </summary>
public interface IEventsCommittedObserver
{
    void EventsCommitted();
}
