namespace Trellis.Internal;

/// <summary>Validation of flags and child specs, with OTP's error terms.</summary>
internal static class SpecValidator
{
    public static ExitReason? CheckFlags(SupervisorFlags? flags)
    {
        if (flags is null)
        {
            return SupervisorErrors.Term("invalid_type", (object?)null);
        }

        if (!Enum.IsDefined(flags.Strategy))
        {
            return SupervisorErrors.Term("invalid_strategy", (int)flags.Strategy);
        }

        if (flags.Intensity < 0)
        {
            return SupervisorErrors.Term("invalid_intensity", flags.Intensity);
        }

        if (CheckPeriod(flags.Period) is { } period)
        {
            return period;
        }

        if (!Enum.IsDefined(flags.AutoShutdown))
        {
            return SupervisorErrors.Term("invalid_auto_shutdown", (int)flags.AutoShutdown);
        }

        if (flags.Durable is not null && flags.Strategy != Strategy.SimpleOneForOne)
        {
            return SupervisorErrors.Term("bad_combination", "durable children need strategy simple_one_for_one (or a DynamicSupervisor)");
        }

        if (flags.Durable is { Store: null })
        {
            return SupervisorErrors.Term("invalid_durable", "DurableChildren.Store is null");
        }

        if (flags.Strategy == Strategy.SimpleOneForOne && flags.AutoShutdown != AutoShutdown.Never)
        {
            var auto = new Atom(flags.AutoShutdown == AutoShutdown.AnySignificant ? "any_significant" : "all_significant");
            return SupervisorErrors.Term("bad_combination", (object)new[] { new ErrorTerm("auto_shutdown", auto), new ErrorTerm("strategy", new Atom("simple_one_for_one")) });
        }

        return null;
    }

    public static ExitReason? CheckPeriod(TimeSpan period) =>
        period < TimeSpan.FromSeconds(1) || period.Ticks % TimeSpan.TicksPerSecond != 0
            ? SupervisorErrors.Term("invalid_period", period)
            : null;

    public static ExitReason? Check(ChildSpec? spec, AutoShutdown? autoShutdown)
    {
        if (spec is null)
        {
            return SupervisorErrors.Term("invalid_child_spec", (object?)null);
        }

        if (spec.Id is null)
        {
            return ExitReason.Atom("missing_id");
        }

        if (spec.Start is null)
        {
            return ExitReason.Atom("missing_start");
        }

        if (spec.Arguments is null)
        {
            return SupervisorErrors.Term("invalid_mfa", (object?)null);
        }

        if ((uint)spec.Restart > (uint)RestartType.Temporary)
        {
            return SupervisorErrors.Term("invalid_restart_type", (int)spec.Restart);
        }

        if ((uint)spec.Type > (uint)ChildType.Supervisor)
        {
            return SupervisorErrors.Term("invalid_child_type", (int)spec.Type);
        }

        if (spec.Shutdown is { } shutdown
            && ((uint)shutdown.Kind > (uint)ShutdownKind.Infinity || (shutdown.Kind == ShutdownKind.Timeout && shutdown.Timeout < TimeSpan.Zero)))
        {
            return SupervisorErrors.Term("invalid_shutdown", shutdown.Timeout);
        }

        if (spec.Modules is { } modules)
        {
            for (var i = 0; i < modules.Count; i++)
            {
                if (string.IsNullOrEmpty(modules[i]))
                {
                    return SupervisorErrors.Term("invalid_module", modules[i]);
                }
            }
        }

        if (spec.Significant && spec.Restart == RestartType.Permanent)
        {
            return SupervisorErrors.Term("bad_combination", (object)new[] { new ErrorTerm("restart", new Atom("permanent")), new ErrorTerm("significant", true) });
        }

        if (spec.Significant && autoShutdown == AutoShutdown.Never)
        {
            return SupervisorErrors.Term("bad_combination", (object)new[] { new ErrorTerm("auto_shutdown", new Atom("never")), new ErrorTerm("significant", true) });
        }

        return null;
    }

    public static ExitReason? CheckAll(IEnumerable<ChildSpec>? specs, AutoShutdown? autoShutdown)
    {
        if (specs is null)
        {
            return SupervisorErrors.Term("badarg", (object?)null);
        }

        var ids = new HashSet<object>();
        foreach (var spec in specs)
        {
            if (Check(spec, autoShutdown) is { } error)
            {
                return error;
            }

            if (!ids.Add(spec.Id))
            {
                return SupervisorErrors.Term("duplicate_child_name", spec.Id);
            }
        }

        return null;
    }
}
