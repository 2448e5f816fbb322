using ApiRoutes.Scheduling;

namespace ApiRoutes.Tasks.Diagnostics;

using static DiagnosticSeverity;

/// <summary>
/// Every diagnostic the build reports. README's "Diagnostics" table lists the same codes, one line each; a unit test
/// keeps the two in step. Numbering: AR0xxx assembly, manifest and deploy bundle, AR1xxx handler types, AR2xxx route templates,
/// AR3xxx route kinds and time limits, AR4xxx schedules, AR5xxx apiroutes.yaml.
/// </summary>
internal static class DiagnosticCodes
{
    public static readonly DiagnosticDescriptor AssemblyUnreadable = new("AR0001", Error, "The compiled assembly cannot be read");
    public static readonly DiagnosticDescriptor ManifestUnwritable = new("AR0002", Error, "The manifest cannot be written");
    public static readonly DiagnosticDescriptor BundleRefused = new("AR0003", Error, "The published files do not make a deploy bundle that can be served");
    // Reported by the build logic (build/ApiRoutes.targets), listed here with the others.
    public static readonly DiagnosticDescriptor InvalidSwitch = new("AR0004", Error, "An ApiRoutes build switch is neither true nor false");
    // Reported by the build logic (build/ApiRoutes.targets): the switch is compiled in by the C# generator only.
    public static readonly DiagnosticDescriptor VerifyBundleNotCompiled = new("AR0005", Error, "ApiRoutesVerifyBundle in an app that is not C#");
    // Reported by the build logic (build/ApiRoutes.targets) when a publish starts.
    public static readonly DiagnosticDescriptor VerifyBundleNotPublished = new("AR0006", Error, "ApiRoutesVerifyBundle cannot hold in this publish");
    public static readonly DiagnosticDescriptor NoHandlers = new("AR0101", Warning, "No handlers were found");
    public static readonly DiagnosticDescriptor HandlerInLibrary = new("AR0102", Warning, "A handler in a referenced class library is not a route");
    public static readonly DiagnosticDescriptor StalePublishFiles = new("AR0103", Warning, "Files an earlier publish left in the publish folder are not bundled");

    /// <summary>Reported by the build logic (build/ApiRoutes.targets), not by a task: the file is named before the analysis runs.</summary>
    public static readonly DiagnosticDescriptor StrayManifest = new("AR0104", Warning, "A file in the project has the name of the manifest or of the bundle's list");
    // Reported by the entry-point generator (src/EntryPoint), as the compiler runs it.
    public static readonly DiagnosticDescriptor EntryPointNotServing = new("AR0105", Warning, "An app with its own entry point never maps its routes");

    public static readonly DiagnosticDescriptor HandlerNotPublic = new("AR1001", Error, "A handler type is not public");
    public static readonly DiagnosticDescriptor HandlerAbstract = new("AR1002", Error, "A handler type is abstract");
    public static readonly DiagnosticDescriptor HandlerGeneric = new("AR1003", Error, "A handler type is generic");
    public static readonly DiagnosticDescriptor HandlerNoConstructor = new("AR1004", Error, "A handler has no usable constructor");
    public static readonly DiagnosticDescriptor HandlerOutsideApi = new("AR1005", Error, "A handler has no route: outside the Api namespace, or a name that gives no path segment");
    public static readonly DiagnosticDescriptor HandlerNotClass = new("AR1006", Error, "A handler is a struct");
    public static readonly DiagnosticDescriptor AttributeWithoutHandler = new("AR1007", Error, "A route attribute is on a type that is not a handler");
    public static readonly DiagnosticDescriptor ForeignRouteAttribute = new("AR1008", Error, "A route attribute is a type of the app, not ApiRoutes' attribute");
    public static readonly DiagnosticDescriptor HandlerManyConstructors = new("AR1101", Warning, "A handler has several public constructors");
    public static readonly DiagnosticDescriptor BaseRouteAttribute = new("AR1102", Warning, "A handler's base class carries a route attribute, which does not apply to the handler");

    public static readonly DiagnosticDescriptor InvalidRouteTemplate = new("AR2001", Error, "A route template is invalid");
    public static readonly DiagnosticDescriptor DuplicateRoute = new("AR2002", Error, "Two handlers have the same route");
    public static readonly DiagnosticDescriptor InvalidRouteMethods = new("AR2003", Error, "A route's Methods names no method or one that is not an HTTP method");
    public static readonly DiagnosticDescriptor AmbiguousRoute = new("AR2004", Error, "Two routes that differ only in constraints match the same request");
    public static readonly DiagnosticDescriptor ReservedRoute = new("AR2005", Error, "A route is under /_apiroutes, which ApiRoutes reserves");
    public static readonly DiagnosticDescriptor UnknownRouteConstraint = new("AR2101", Warning, "A route constraint is not built in");
    public static readonly DiagnosticDescriptor ForeignParameterSyntax = new("AR2102", Warning, "A route template has literal text written as another framework's parameter ([id], [...slug], :id)");
    public static readonly DiagnosticDescriptor UnsatisfiableConstraints = new("AR2103", Warning, "A route parameter's constraints pass no value");

    public static readonly DiagnosticDescriptor BackgroundAndScheduled = new("AR3001", Error, "A route is both background and scheduled");
    public static readonly DiagnosticDescriptor ScheduledWithParameters = new("AR3002", Error, "A scheduled route has route parameters");
    public static readonly DiagnosticDescriptor TimeLimitTooLong = new("AR3003", Error, "A time limit is over 15 minutes");
    public static readonly DiagnosticDescriptor TimeLimitNotPositive = new("AR3004", Error, "A time limit is zero or negative");
    public static readonly DiagnosticDescriptor MethodsOnScheduledRoute = new("AR3005", Error, "A scheduled route restricts its methods");

    // The schedule codes that the shared rules report (CronSchedule) come from ScheduleCodes, which apiroutes schedule uses too.
    public static readonly DiagnosticDescriptor InvalidSchedule = new(ScheduleCodes.Invalid, Error, "A schedule is not a valid crontab expression");
    public static readonly DiagnosticDescriptor UnsupportedScheduleMacro = new(ScheduleCodes.UnsupportedMacro, Error, "A schedule uses @reboot or @annually");
    public static readonly DiagnosticDescriptor SubMinuteSchedule = new(ScheduleCodes.SubMinute, Error, "A schedule runs more than once a minute");
    public static readonly DiagnosticDescriptor MissingSchedule = new("AR4004", Error, "A scheduled route has no schedule");
    public static readonly DiagnosticDescriptor ScheduleOnUnscheduledRoute = new("AR4005", Error, "A schedule is set for a route that is not scheduled");
    public static readonly DiagnosticDescriptor ScheduleNeverFires = new(ScheduleCodes.NeverFires, Error, "A schedule never fires");
    public static readonly DiagnosticDescriptor CatchUpOnUnscheduledRoute = new("AR4007", Error, "catchUp is set for a route that is not scheduled");
    public static readonly DiagnosticDescriptor ScheduleNotCrontab = new(ScheduleCodes.NotCrontab, Error, "A schedule uses another scheduler's syntax that crontab does not have");
    public static readonly DiagnosticDescriptor ScheduleReversedRange = new(ScheduleCodes.ReversedRange, Error, "A schedule has a range that runs backwards");
    public static readonly DiagnosticDescriptor UnknownTimeZone = new(ScheduleCodes.UnknownTimeZone, Error, "A schedule's time zone is not an IANA time zone this machine knows");
    public static readonly DiagnosticDescriptor TimeZoneOnUnscheduledRoute = new("AR4011", Error, "apiroutes.yaml sets timeZone for a route that is not scheduled");
    public static readonly DiagnosticDescriptor ScheduleDayRule = new(ScheduleCodes.DayRule, Warning, "A schedule's day fields combine in a way that is easy to misread");
    public static readonly DiagnosticDescriptor ScheduleDaylightSaving = new(ScheduleCodes.DaylightSaving, Warning, "A schedule's time falls into a daylight-saving change of its time zone");
    public static readonly DiagnosticDescriptor LegacyTimeZone = new(ScheduleCodes.LegacyTimeZone, Warning, "A schedule's time zone is a legacy name of the time zone database");
    public static readonly DiagnosticDescriptor FixedOffsetZone = new(ScheduleCodes.FixedOffsetZone, Warning, "A schedule's time zone is a fixed offset whose sign reads backwards");

    public static readonly DiagnosticDescriptor InvalidYaml = new("AR5001", Error, "apiroutes.yaml is not valid YAML");
    public static readonly DiagnosticDescriptor UnknownYamlKey = new("AR5002", Error, "apiroutes.yaml has an unknown key");
    public static readonly DiagnosticDescriptor UnknownYamlRoute = new("AR5003", Error, "apiroutes.yaml names a route that does not exist");
    public static readonly DiagnosticDescriptor InvalidYamlValue = new("AR5004", Error, "apiroutes.yaml sets a bad value");
    public static readonly DiagnosticDescriptor DuplicateYamlRoute = new("AR5005", Error, "apiroutes.yaml names a route twice");
    // Reported by the build logic (build/ApiRoutes.targets), listed here with the others.
    public static readonly DiagnosticDescriptor MissingConfigFile = new("AR5006", Error, "ApiRoutesConfigFile names a file that does not exist");
    public static readonly DiagnosticDescriptor EmptyYamlRoute = new("AR5101", Warning, "apiroutes.yaml has a route entry with no settings");
    public static readonly DiagnosticDescriptor OtherConfigFileName = new("AR5102", Warning, "A route configuration file of another name is not read");

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } =
    [
        AssemblyUnreadable, ManifestUnwritable, BundleRefused, InvalidSwitch, VerifyBundleNotCompiled, VerifyBundleNotPublished, NoHandlers, HandlerInLibrary, StalePublishFiles, StrayManifest, EntryPointNotServing,
        HandlerNotPublic, HandlerAbstract, HandlerGeneric, HandlerNoConstructor, HandlerOutsideApi, HandlerNotClass,
        AttributeWithoutHandler, ForeignRouteAttribute, HandlerManyConstructors, BaseRouteAttribute,
        InvalidRouteTemplate, DuplicateRoute, InvalidRouteMethods, AmbiguousRoute, ReservedRoute, UnknownRouteConstraint, ForeignParameterSyntax, UnsatisfiableConstraints,
        BackgroundAndScheduled, ScheduledWithParameters, TimeLimitTooLong, TimeLimitNotPositive, MethodsOnScheduledRoute,
        InvalidSchedule, UnsupportedScheduleMacro, SubMinuteSchedule, MissingSchedule, ScheduleOnUnscheduledRoute,
        ScheduleNeverFires, CatchUpOnUnscheduledRoute, ScheduleNotCrontab, ScheduleReversedRange, UnknownTimeZone,
        TimeZoneOnUnscheduledRoute, ScheduleDayRule, ScheduleDaylightSaving, LegacyTimeZone, FixedOffsetZone,
        InvalidYaml, UnknownYamlKey, UnknownYamlRoute, InvalidYamlValue, DuplicateYamlRoute, MissingConfigFile, EmptyYamlRoute, OtherConfigFileName,
    ];
}
