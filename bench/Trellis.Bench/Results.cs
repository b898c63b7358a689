namespace Trellis.Bench;

/// <summary>Figures by name; a figure measured more than once is reported as its median.</summary>
internal sealed class Results
{
    private readonly Dictionary<string, List<double>> _values = [];

    public void Add(string name, double value)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            _values[name] = list = [];
        }

        list.Add(value);
    }

    public Dictionary<string, double> Medians() => _values.ToDictionary(kv => kv.Key, kv => Median(kv.Value));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
