namespace ApiRoutes.Tasks; internal static class Placeholder { }
