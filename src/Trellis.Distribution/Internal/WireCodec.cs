using System.Buffers;
using System.Collections;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Trellis.Internal;

namespace Trellis.Distribution.Internal;

/// <summary>
/// Terms on the wire. Strings, ints, doubles, booleans, byte arrays and nil are MessagePack's own; everything else is
/// an array whose first item says what it is: a list, a long, an atom, a pid, an exit reason, a registered message
/// type (by its tag), a term that crosses as its text, or the runtime's stop request. Decoding creates only these and
/// the registered types, and refuses nesting deeper than <see cref="MaxDepth"/>.
/// </summary>
internal sealed class WireCodec
{
    public const int MaxDepth = 64;

    private const int TagList = 0;
    private const int TagLong = 1;
    private const int TagAtom = 2;
    private const int TagPid = 3;
    private const int TagReason = 4;
    private const int TagMessage = 5;
    private const int TagText = 6;
    private const int TagStop = 7;

    private readonly Router _router;
    private readonly MessageTypes _types;

    public WireCodec(Router router, MessageTypes types)
    {
        _router = router;
        _types = types;
        var resolver = CompositeResolver.Create(
            [new PidFormatter(), new AtomFormatter(), new ExitReasonFormatter()],
            [ContractlessStandardResolver.Instance]);
        Options = new WireOptions(
            MessagePackSerializerOptions.Standard
                .WithResolver(resolver)
                .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(MaxDepth)),
            this);
    }

    public MessagePackSerializerOptions Options { get; }

    /// <summary>Writes a message; a type that is neither built in nor registered is refused.</summary>
    /// <exception cref="ArgumentException">The message, or something in it, cannot cross the wire.</exception>
    public void WriteMessage(ref MessagePackWriter writer, object? value) => Write(ref writer, value, 0, strict: true);

    public object? ReadMessage(ref MessagePackReader reader) => Read(ref reader, 0);

    public void WritePid(ref MessagePackWriter writer, Pid pid)
    {
        if (pid.IsNone)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(5);
        writer.Write(TagPid);
        if (pid.Process is { } local)
        {
            _router.Export(local);
            writer.Write(_router.Name);
            writer.Write(_router.Port);
            writer.Write(_router.Creation);
            writer.Write(local.Id);
            return;
        }

        var remote = pid.Remote!;
        writer.Write(remote.NodeName);
        writer.Write(_router.KnownPort(remote.NodeName));
        writer.Write(remote.Creation);
        writer.Write(remote.Id);
    }

    public Pid ReadPid(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return Pid.None;
        }

        ExpectArray(ref reader, 5);
        if (reader.ReadInt32() != TagPid)
        {
            throw new MessagePackSerializationException("expected a pid");
        }

        return ReadPidBody(ref reader);
    }

    public void WriteReason(ref MessagePackWriter writer, ExitReason reason)
    {
        writer.WriteArrayHeader(7);
        writer.Write(TagReason);
        writer.Write((int)reason.Kind);
        writer.Write(reason.Code);
        writer.Write(reason.CoreDumped);
        Write(ref writer, reason.Detail, 1, strict: false);
        var exception = reason.Exception;
        writer.Write(exception is null ? null : (exception as RemoteException)?.TypeName ?? exception.GetType().Name);
        writer.Write(exception?.Message);
    }

    public ExitReason ReadReason(ref MessagePackReader reader)
    {
        ExpectArray(ref reader, 7);
        if (reader.ReadInt32() != TagReason)
        {
            throw new MessagePackSerializationException("expected an exit reason");
        }

        return ReadReasonBody(ref reader, 0);
    }

    private void Write(ref MessagePackWriter writer, object? value, int depth, bool strict)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"a message may be nested at most {MaxDepth} deep");
        }

        switch (value)
        {
            case null:
                writer.WriteNil();
                break;
            case string s:
                writer.Write(s);
                break;
            case int i:
                writer.Write(i);
                break;
            case bool b:
                writer.Write(b);
                break;
            case double d:
                writer.Write(d);
                break;
            case byte[] bytes:
                writer.Write(bytes);
                break;
            case long l:
                writer.WriteArrayHeader(2);
                writer.Write(TagLong);
                writer.Write(l);
                break;
            case Atom atom:
                writer.WriteArrayHeader(2);
                writer.Write(TagAtom);
                writer.Write(atom.Name);
                break;
            case Pid pid:
                WritePid(ref writer, pid);
                break;
            case ExitReason reason:
                WriteReason(ref writer, reason);
                break;
            case StopRequest stop:
                writer.WriteArrayHeader(2);
                writer.Write(TagStop);
                WriteReason(ref writer, stop.Reason);
                break;
            case RemoteTerm text:
                writer.WriteArrayHeader(2);
                writer.Write(TagText);
                writer.Write(text.Text);
                break;
            default:
                if (_types.TryGetTag(value.GetType(), out var tag))
                {
                    writer.WriteArrayHeader(3);
                    writer.Write(TagMessage);
                    writer.Write(tag);
                    MessagePackSerializer.Serialize(value.GetType(), ref writer, value, Options);
                }
                else if (value is IList list)
                {
                    writer.WriteArrayHeader(list.Count + 1);
                    writer.Write(TagList);
                    foreach (var item in list)
                    {
                        Write(ref writer, item, depth + 1, strict);
                    }
                }
                else if (strict)
                {
                    throw new ArgumentException(
                        $"{value.GetType()} cannot be sent to another node: register it in NetworkOptions.MessageTypes on both nodes");
                }
                else
                {
                    // In an exit reason's detail: what the other side prints is all it needs.
                    writer.WriteArrayHeader(2);
                    writer.Write(TagText);
                    writer.Write(Terms.Format(value));
                }

                break;
        }
    }

    private object? Read(ref MessagePackReader reader, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new MessagePackSerializationException($"a term is nested more than {MaxDepth} deep");
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.String:
                return reader.ReadString();
            case MessagePackType.Integer:
                return reader.ReadInt32();
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            case MessagePackType.Float:
                return reader.ReadDouble();
            case MessagePackType.Binary:
                return reader.ReadBytes()?.ToArray();
            case MessagePackType.Array:
                break;
            default:
                throw new MessagePackSerializationException($"unexpected {reader.NextMessagePackType} in a term");
        }

        var count = reader.ReadArrayHeader();
        if (count < 1)
        {
            throw new MessagePackSerializationException("an empty array is not a term");
        }

        var tag = reader.ReadInt32();
        switch (tag)
        {
            case TagList:
                var items = new object?[count - 1];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = Read(ref reader, depth + 1);
                }

                return items;
            case TagLong when count == 2:
                return reader.ReadInt64();
            case TagAtom when count == 2:
                return new Atom(reader.ReadString() ?? throw new MessagePackSerializationException("an atom has a name"));
            case TagPid when count == 5:
                return ReadPidBody(ref reader);
            case TagReason when count == 7:
                return ReadReasonBody(ref reader, depth);
            case TagStop when count == 2:
                return new StopRequest(ReadReason(ref reader));
            case TagText when count == 2:
                return new RemoteTerm(reader.ReadString() ?? string.Empty);
            case TagMessage when count == 3:
                var name = reader.ReadString() ?? string.Empty;
                if (!_types.TryGetType(name, out var type))
                {
                    throw new UnknownMessageTypeException(name);
                }

                return MessagePackSerializer.Deserialize(type, ref reader, Options);
            default:
                throw new MessagePackSerializationException($"unknown term tag {tag} with {count - 1} items");
        }
    }

    private Pid ReadPidBody(ref MessagePackReader reader)
    {
        var node = reader.ReadString();
        var port = reader.ReadInt32();
        var creation = reader.ReadUInt32();
        var id = reader.ReadInt64();
        if (node is null || !NodeAddress.IsValidName(node, out _) || port is < 0 or > 65535 || id <= 0)
        {
            throw new MessagePackSerializationException("a pid has a valid node name, a port and a positive number");
        }

        return _router.ResolvePid(node, port, creation, id);
    }

    private ExitReason ReadReasonBody(ref MessagePackReader reader, int depth)
    {
        var kind = (ExitReasonKind)reader.ReadInt32();
        var code = reader.ReadInt32();
        var coreDumped = reader.ReadBoolean();
        var detail = Read(ref reader, depth + 1);
        var typeName = reader.ReadString();
        var message = reader.ReadString();
        return kind switch
        {
            ExitReasonKind.Normal => ExitReason.Normal,
            ExitReasonKind.Shutdown => detail is null ? ExitReason.Shutdown : ExitReason.ShutdownWith(detail),
            ExitReasonKind.Killed => ExitReason.Killed,
            ExitReasonKind.Kill => ExitReason.Kill,
            ExitReasonKind.NoProc => ExitReason.NoProc,
            ExitReasonKind.NoConnection => ExitReason.NoConnection,
            ExitReasonKind.Exception => ExitReason.FromException(new RemoteException(typeName ?? "Exception", message ?? string.Empty)),
            ExitReasonKind.ExitCode => ExitReason.FromExitCode(code),
            ExitReasonKind.Signal => ExitReason.FromSignal(code, coreDumped),
            ExitReasonKind.Term when detail is not null => ExitReason.Of(detail),
            _ => throw new MessagePackSerializationException($"unknown exit reason kind {(int)kind}"),
        };
    }

    private static void ExpectArray(ref MessagePackReader reader, int count)
    {
        if (reader.ReadArrayHeader() != count)
        {
            throw new MessagePackSerializationException($"expected an array of {count}");
        }
    }

    private static WireCodec CodecOf(MessagePackSerializerOptions options) =>
        (options as WireOptions)?.Codec ?? throw new InvalidOperationException("Trellis types serialize only on a node's connection");

    /// <summary>Options that carry the codec to the formatters of pids, atoms and exit reasons inside registered messages.</summary>
    private sealed class WireOptions : MessagePackSerializerOptions
    {
        public WireOptions(MessagePackSerializerOptions copyFrom, WireCodec codec)
            : base(copyFrom) => Codec = codec;

        private WireOptions(WireOptions copyFrom)
            : base(copyFrom) => Codec = copyFrom.Codec;

        public WireCodec Codec { get; }

        protected override MessagePackSerializerOptions Clone() => new WireOptions(this);
    }

    private sealed class PidFormatter : IMessagePackFormatter<Pid>
    {
        public void Serialize(ref MessagePackWriter writer, Pid value, MessagePackSerializerOptions options) => CodecOf(options).WritePid(ref writer, value);

        public Pid Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => CodecOf(options).ReadPid(ref reader);
    }

    private sealed class AtomFormatter : IMessagePackFormatter<Atom>
    {
        public void Serialize(ref MessagePackWriter writer, Atom value, MessagePackSerializerOptions options) => writer.Write(value.Name);

        public Atom Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            new(reader.ReadString() ?? throw new MessagePackSerializationException("an atom has a name"));
    }

    private sealed class ExitReasonFormatter : IMessagePackFormatter<ExitReason?>
    {
        public void Serialize(ref MessagePackWriter writer, ExitReason? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
            }
            else
            {
                CodecOf(options).WriteReason(ref writer, value);
            }
        }

        public ExitReason? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            reader.TryReadNil() ? null : CodecOf(options).ReadReason(ref reader);
    }
}

/// <summary>A term from another node that crossed as its text (an exit reason's detail of a type this node does not know).</summary>
/// <param name="Text">How it printed there.</param>
internal sealed record RemoteTerm(string Text)
{
    public override string ToString() => Text;
}

/// <summary>A message of a type this node has not registered: the frame is dropped, the connection stays.</summary>
internal sealed class UnknownMessageTypeException : Exception
{
    public UnknownMessageTypeException(string tag)
        : base($"a message of the unregistered type '{tag}' was dropped (register it in NetworkOptions.MessageTypes)")
    {
        Tag = tag;
    }

    public UnknownMessageTypeException()
        : this(string.Empty)
    {
    }

    public UnknownMessageTypeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Tag = string.Empty;
    }

    public string Tag { get; }
}
