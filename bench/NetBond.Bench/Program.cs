using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(NetBond.Bench.PerFrameBenchmarks).Assembly).Run(args);
