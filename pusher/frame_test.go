package pusher

import "testing"

// TestFrameClasses: a buffer is filed under the largest class it holds,
// and a need is served by the smallest class that holds it; classes are a
// quarter of a power of two apart.
func TestFrameClasses(t *testing.T) {
	tests := []struct {
		n           int
		class, need int
	}{
		{0, -1, 0},
		{1, -1, 0},
		{minFrameCap - 1, -1, 0},
		{minFrameCap, 0, 0},
		{minFrameCap + 1, 0, 1},
		{5 << 10, 1, 1},
		{5<<10 + 1, 1, 2},
		{8<<10 - 1, 3, 4},
		{8 << 10, 4, 4},
		{10 << 10, 5, 5},
		{maxFramePayload, 32, 32},
		{maxFramePayload + 300, 32, 33},
		{maxFrameCap - 1, frameClasses - 2, frameClasses - 1},
		{maxFrameCap, frameClasses - 1, frameClasses - 1},
		{maxFrameCap + 1, frameClasses - 1, -1},
	}
	for _, tt := range tests {
		if got := frameClass(tt.n); got != tt.class {
			t.Errorf("frameClass(%d): got %d, want %d", tt.n, got, tt.class)
		}
		if got := needClass(tt.n); got != tt.need {
			t.Errorf("needClass(%d): got %d, want %d", tt.n, got, tt.need)
		}
	}
	// Every class: its least size is its own, the size just below is the
	// class before's, and a need of it is served by it.
	for k := range frameClasses {
		c := classSize(k)
		if got := frameClass(c); got != k {
			t.Errorf("frameClass(classSize(%d) = %d): got %d, want %d", k, c, got, k)
		}
		if got := needClass(c); got != k {
			t.Errorf("needClass(classSize(%d) = %d): got %d, want %d", k, c, got, k)
		}
		if k > 0 {
			if got := frameClass(c - 1); got != k-1 {
				t.Errorf("frameClass(%d): got %d, want %d", c-1, got, k-1)
			}
			if prev := classSize(k - 1); c <= prev || c > prev*5/4+1 {
				t.Errorf("classSize(%d) = %d after %d: want at most a quarter more", k, c, prev)
			}
		}
	}
	if got := classSize(frameClasses - 1); got != maxFrameCap {
		t.Errorf("largest class: got %d, want %d", got, maxFrameCap)
	}
}

// TestGrowFrameReusesClass: a frame too small for a pass's payload takes
// the buffer of a pooled frame of the payload's class rather than a new
// one, and its own small buffer goes back to the smallest class. sync.Pool
// may drop what it is given (always under -race, a quarter of the Puts),
// so a reuse is looked for over many tries.
func TestGrowFrameReusesClass(t *testing.T) {
	tests := []struct {
		name string
		need int
	}{
		{"twice the smallest", minFrameCap + 1},
		{"a full payload", maxFramePayload + 300},
		{"the largest class", maxFrameCap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := needClass(tt.need)
			reused := false
			for try := 0; try < 200 && !reused; try++ {
				big := takeFrame(k)
				want := &big.buf[:1][0]
				poolFrame(big)

				f := getFrame()
				small := &f.buf[:1][0]
				growFrame(f, tt.need)
				if cap(f.buf) < tt.need || len(f.buf) != 0 {
					t.Fatalf("after growFrame(%d): got len %d cap %d, want len 0 and cap ≥ %d", tt.need, len(f.buf), cap(f.buf), tt.need)
				}
				if got := frameClass(cap(f.buf)); got < k || got > k+frameSpill {
					t.Fatalf("after growFrame(%d): got a buffer of class %d, want %d to %d", tt.need, got, k, k+frameSpill)
				}
				if &f.buf[:1][0] == small {
					t.Fatalf("after growFrame(%d): got the small buffer back", tt.need)
				}
				reused = &f.buf[:1][0] == want
				putFrame(f)
			}
			if !reused {
				t.Errorf("growFrame(%d) made a new buffer in 200 tries, want the pooled one of class %d reused", tt.need, k)
			}
		})
	}
}

// TestTakeFrameSpills: with its own class empty, a frame is taken from a
// class up to frameSpill above rather than made, and one further above is
// left alone (a new buffer of the class is made instead).
func TestTakeFrameSpills(t *testing.T) {
	const k = 20
	drain := func() {
		for j := k; j <= k+frameSpill+1; j++ {
			for framePools[j].Get() != nil {
			}
		}
	}
	tests := []struct {
		name  string
		at    int // the class the only pooled frame is in
		taken bool
	}{
		{"own class", k, true},
		{"two above", k + 2, true},
		{"frameSpill above", k + frameSpill, true},
		{"past frameSpill", k + frameSpill + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// sync.Pool may drop a Put (under -race a quarter of them):
			// the pooled frame is looked for over many tries.
			taken := false
			for try := 0; try < 200 && !taken; try++ {
				drain()
				g := &frame{buf: make([]byte, 0, classSize(tt.at))}
				want := &g.buf[:1][0]
				poolFrame(g)
				f := takeFrame(k)
				if c := frameClass(cap(f.buf)); c < k || c > k+frameSpill {
					t.Fatalf("got a frame of class %d, want %d to %d", c, k, k+frameSpill)
				}
				taken = &f.buf[:1][0] == want
				if taken && !tt.taken {
					t.Fatalf("took the frame of class %d for class %d, want a new one", tt.at, k)
				}
			}
			if taken != tt.taken {
				t.Errorf("pooled frame of class %d taken for class %d: got %v, want %v", tt.at, k, taken, tt.taken)
			}
			drain()
		})
	}
}

// TestResetFrame: a frame comes back empty and filed by its buffer's
// class; a buffer outside the classes (a burst, which must not stay in
// memory, or one below the smallest) is replaced by one of the smallest.
func TestResetFrame(t *testing.T) {
	tests := []struct {
		name       string
		cap        int
		wantClass  int
		wantCap    int
		wantSameBf bool
	}{
		{"below the smallest class", 100, 0, minFrameCap, false},
		{"the smallest class", minFrameCap, 0, minFrameCap, true},
		{"between classes", 9 << 10, 4, 9 << 10, true},
		{"the largest class", maxFrameCap, frameClasses - 1, maxFrameCap, true},
		{"past the largest class", maxFrameCap + 1, 0, minFrameCap, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &frame{buf: make([]byte, 10, tt.cap), start: 3}
			old := &f.buf[0]
			k := resetFrame(f)
			if k != tt.wantClass || cap(f.buf) != tt.wantCap || len(f.buf) != 0 || f.start != 0 {
				t.Fatalf("got class %d len %d cap %d start %d, want class %d len 0 cap %d start 0",
					k, len(f.buf), cap(f.buf), f.start, tt.wantClass, tt.wantCap)
			}
			if same := &f.buf[:1][0] == old; same != tt.wantSameBf {
				t.Errorf("kept its buffer: got %v, want %v", same, tt.wantSameBf)
			}
		})
	}
}
