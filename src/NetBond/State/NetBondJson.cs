using System.Text.Json.Serialization;
using NetBond.Config;
using NetBond.Linux;

namespace NetBond;

/// <summary>
/// Every type NetBond reads or writes as JSON with the serializer, its code generated at build time: netbond is
/// compiled ahead of time (a command starts in milliseconds), where reflection-based serialization does not exist.
/// Indented, as the state files are read by people too.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(UpRequest))]
[JsonSerializable(typeof(BondStateContents))]
[JsonSerializable(typeof(JournalFile))]
[JsonSerializable(typeof(List<MemberOriginalState>))]
[JsonSerializable(typeof(Cni.Attachment))]
internal sealed partial class NetBondJson : JsonSerializerContext;
