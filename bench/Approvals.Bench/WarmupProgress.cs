namespace Approvals.Bench;

/// <summary>
/// Whether a warming-up service still gets faster: its CPU time per request, slice after slice, counts as progress
/// when it beats the best so far by 5 %; one slice can be slow for reasons of its own on a shared machine, so the
/// service is steady only after <paramref name="slicesWithoutProgress"/> slices in a row without progress.
/// </summary>
internal sealed class WarmupProgress(int slicesWithoutProgress)
{
    private int _slicesSinceBest;

    public TimeSpan? Best { get; private set; }

    public bool IsSteady => _slicesSinceBest >= slicesWithoutProgress;

    /// <param name="perRequest">The slice's CPU time per request, or null when the slice completed none.</param>
    public void Record(TimeSpan? perRequest)
    {
        if (perRequest is { } value && (Best is null || value < Best * 0.95))
        {
            Best = value;
            _slicesSinceBest = 0;
        }
        else
        {
            _slicesSinceBest++;
        }
    }
}
