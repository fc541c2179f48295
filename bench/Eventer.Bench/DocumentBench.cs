using System.Diagnostics;
using Eventer.EsIndexer.Indexing;
using Eventer.Testing;

namespace Eventer.Bench;

/// <summary>
/// What the es-indexer spends turning one occurrence into its two bulk lines (document built and
/// serialized), in time and allocated bytes, over N items of the seed sample: every occurrence goes
/// through it, and what it allocates is what the indexer's garbage collections clear.
/// </summary>
public static class DocumentBench
{
    public static void Run(int items)
    {
        var messages = Enumerable.Range(0, 1000).Select(i => ObservedSamples.Seed($"uid-{i}")).ToArray();
        Console.WriteLine("| round | µs per item | bytes allocated per item | bytes of bulk lines per item |");
        Console.WriteLine("| --- | --- | --- | --- |");
        for (var round = 1; round <= 5; round++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            long lines = 0;
            for (var i = 0; i < items; i++)
            {
                lines += BulkItem.For(messages[i % messages.Length], "eventer-events-2026.11.30", default).Lines.Length;
            }

            var elapsed = clock.Elapsed;
            Console.WriteLine($"| {round} | {elapsed.TotalMicroseconds / items:F1} | {(GC.GetAllocatedBytesForCurrentThread() - allocated) / items} | {lines / items} |");
        }
    }
}
