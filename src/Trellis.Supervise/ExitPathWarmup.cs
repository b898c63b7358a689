using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Trellis.Supervise;

/// <summary>
/// Compiles ahead of need the code that handles a program's death and restart. A supervisor that compiles methods on
/// first use (as <c>supervise</c> does, for a smaller RSS) would otherwise spend 50-60 ms on the first restart and
/// several ms on the next few; with this, the first restart is as quick as the hundredth. Methods of generic types
/// and generic methods are left to the JIT (they need their type arguments).
/// </summary>
internal static class ExitPathWarmup
{
    /// <summary>
    /// The runtime's and OsProcess's part of the path: processes, servers, the reaper, the output readers, the status
    /// directory and its control reader.
    /// </summary>
    /// <remarks>The runtime's own types are internal: they are named here, for the warm-up only.</remarks>
    public static readonly Type[] OsProcessTypes =
    [
        Type.GetType("Trellis.Internal.LocalProcess, Trellis", throwOnError: true)!, typeof(GenServer), typeof(Node), typeof(ExitReason),
        Type.GetType("Trellis.OsProcess.Internal.ProgramServer, Trellis.OsProcess", throwOnError: true)!,
        Type.GetType("Trellis.OsProcess.Internal.ProgramProcess, Trellis.OsProcess", throwOnError: true)!,
        Type.GetType("Trellis.OsProcess.Internal.ChildReaper, Trellis.OsProcess", throwOnError: true)!,
        Type.GetType("Trellis.OsProcess.Internal.LineReader, Trellis.OsProcess", throwOnError: true)!,
        Type.GetType("Trellis.OsProcess.Internal.Spawner, Trellis.OsProcess", throwOnError: true)!,
        Type.GetType("Trellis.OsProcess.Internal.FdPoller, Trellis.OsProcess", throwOnError: true)!,
        typeof(Trellis.OsProcess.StatusFiles.StatusDirectory), typeof(Trellis.OsProcess.StatusFiles.ControlReader),
    ];

    /// <summary>Compiles every method of <paramref name="types"/> and of their nested types (closures, async state machines).</summary>
    /// <returns>How many methods were compiled.</returns>
    public static int Prepare(IEnumerable<Type> types)
    {
        var count = 0;
        foreach (var type in types)
        {
            count += PrepareType(type);
        }

        return count;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Best effort: a member trimmed away is simply not compiled ahead; ahead-of-time builds have nothing to compile.")]
    private static int PrepareType(Type type)
    {
        if (type.ContainsGenericParameters)
        {
            return 0;
        }

        const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var count = 0;
        foreach (var method in type.GetMethods(all))
        {
            count += PrepareMethod(method);
        }

        foreach (var constructor in type.GetConstructors(all))
        {
            count += PrepareMethod(constructor);
        }

        foreach (var nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            count += PrepareType(nested);
        }

        return count;
    }

    private static int PrepareMethod(MethodBase method)
    {
        if (method.IsAbstract || method.ContainsGenericParameters || (method.Attributes & MethodAttributes.PinvokeImpl) != 0
            || (method.MethodImplementationFlags & (MethodImplAttributes.InternalCall | MethodImplAttributes.Runtime)) != 0)
        {
            return 0;
        }

        try
        {
            RuntimeHelpers.PrepareMethod(method.MethodHandle);
            return 1;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or BadImageFormatException)
        {
            // A method the runtime will not compile ahead (an intrinsic, a stub): the JIT takes it when it runs.
            return 0;
        }
    }
}
