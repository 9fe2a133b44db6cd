package readstats

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart sizes, in pixels.
const (
	DefaultWidth  = 800
	DefaultHeight = 400
	maxSide       = 2000
)

// MaxAltLength is Discord's limit on an attachment's description, in
// characters; Chart's alt text stays within it.
const MaxAltLength = 1024

// chartDPI relates gonum's lengths (points) to pixels: at 96 dpi a 10 pt
// label is about 13 px high, readable in Discord's preview.
const chartDPI = 96

// barColor is a dark red that reads well on the chart's own white
// background, whatever Discord's theme around it.
var barColor = color.RGBA{R: 0x99, G: 0x33, B: 0x33, A: 0xff}

// Chart draws the year's months as a bar chart PNG of width×height pixels
// (0 means DefaultWidth×DefaultHeight; each side at most 2000): one bar
// per month for the stories finished, labelled with the words read, under
// a title with the year's totals. alt describes the same figures in words
// for the attachment's description, within MaxAltLength characters.
func Chart(s Stats, width, height int) (png []byte, alt string, err error) {
	if width == 0 && height == 0 {
		width, height = DefaultWidth, DefaultHeight
	}
	if width < 200 || height < 100 || width > maxSide || height > maxSide {
		return nil, "", fmt.Errorf("readstats: chart size %d×%d out of range", width, height)
	}
	p := plot.New()
	p.Title.Text = title(s)
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = "Stories finished"
	p.X.Label.Text = "Above each bar: the words of the stories finished that month"
	p.X.Label.TextStyle.Font.Size = vg.Points(9)
	p.Y.Min = 0
	most := 0
	vals := make(plotter.Values, 12)
	for i, m := range s.Months {
		vals[i] = float64(m.Stories)
		most = max(most, m.Stories)
	}
	// Head room above the tallest bar for its words label.
	p.Y.Max = math.Max(1, float64(most)*1.18+0.3)
	p.Y.Tick.Marker = intTicks{}
	p.Y.Padding = 0

	// A month's slot is about a twelfth of the width (in points: pixels
	// × 72/96); its bar fills 60 % of it.
	bars, err := plotter.NewBarChart(vals, vg.Points(float64(width)/12*0.75*0.6))
	if err != nil {
		return nil, "", fmt.Errorf("readstats: bar chart: %w", err)
	}
	bars.Color = barColor
	bars.LineStyle.Width = 0
	p.Add(bars)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil // the month labels place the bars well enough
	p.Add(grid)
	p.NominalX(monthNames[:]...)
	// Half a slot of room on each side, so January and December are not
	// cut at the edges.
	p.X.Min, p.X.Max = -0.5, 11.5

	var xys plotter.XYs
	var labels []string
	for i, m := range s.Months {
		if m.Stories == 0 {
			continue
		}
		xys = append(xys, plotter.XY{X: float64(i), Y: float64(m.Stories)})
		labels = append(labels, compact(m.Words))
	}
	if len(xys) > 0 {
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return nil, "", fmt.Errorf("readstats: labels: %w", err)
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].Font.Size = vg.Points(9)
			l.TextStyle[i].Color = color.Gray{Y: 0x44}
		}
		l.Offset = vg.Point{Y: vg.Points(3)}
		p.Add(l)
	}

	w := vg.Length(width) * vg.Inch / chartDPI
	h := vg.Length(height) * vg.Inch / chartDPI
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(chartDPI))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, "", fmt.Errorf("readstats: encode chart: %w", err)
	}
	return buf.Bytes(), Alt(s), nil
}

func title(s Stats) string {
	if s.Stories == 0 {
		return fmt.Sprintf("%d: no stories finished", s.Year)
	}
	return fmt.Sprintf("%d: %s finished, %s words", s.Year, plural(s.Stories, "story", "stories"), thousands(s.Words))
}

// Alt is the chart's figures in words, at most MaxAltLength characters:
// every month's stories and words, then the totals.
func Alt(s Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Bar chart of stories finished per month in %d, with the words read in brackets: ", s.Year)
	for i, m := range s.Months {
		if i > 0 {
			b.WriteString(", ")
		}
		if m.Stories == 0 {
			fmt.Fprintf(&b, "%s 0", monthNames[i])
		} else {
			fmt.Fprintf(&b, "%s %d (%s words)", monthNames[i], m.Stories, thousands(m.Words))
		}
	}
	fmt.Fprintf(&b, ". In all: %s, %s words.", plural(s.Stories, "story", "stories"), thousands(s.Words))
	out := b.String()
	if utf8.RuneCountInString(out) > MaxAltLength { // cannot happen with 12 months of ints; kept as a guard
		out = string([]rune(out)[:MaxAltLength-1]) + "…"
	}
	return out
}

// compact writes a word count briefly: 950, 12k, 1.2M.
func compact(n int) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%dM", (n+500_000)/1_000_000)
	case n >= 1_000_000:
		return strings.Replace(fmt.Sprintf("%.1fM", float64(n)/1e6), ".0M", "M", 1)
	case n >= 10_000:
		return fmt.Sprintf("%dk", (n+500)/1000)
	case n >= 1000:
		return strings.Replace(fmt.Sprintf("%.1fk", float64(n)/1e3), ".0k", "k", 1)
	}
	return fmt.Sprint(n)
}

// intTicks marks whole numbers only (a count of stories has no halves),
// at most about six of them, at steps of 1, 2 or 5 times a power of ten.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	top := int(math.Floor(hi))
	step := 1
	for i := 0; top/step > 5; i++ {
		step = []int{2, 5, 10}[i%3] * int(math.Pow10(i/3))
	}
	var ts []plot.Tick
	for v := 0; v <= top; v += step {
		ts = append(ts, plot.Tick{Value: float64(v), Label: fmt.Sprint(v)})
	}
	return ts
}
