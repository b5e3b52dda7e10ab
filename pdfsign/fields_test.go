package pdfsign

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// formPDF has a page (rotated rot) with three fields: an empty signature
// field merged with its widget ("Persetujuan"), an empty signature field
// inside a parent with a separate widget ("Form.Kepala"), and a filled
// text field ("Nama"). The signature boxes are 240 x 80 points as
// displayed.
func formPDF(rot int) []byte {
	p := &pdfBuilder{offs: map[int]int{}, eol: "\n"}
	p.b.WriteString("%PDF-1.4\n")
	rect1, rect2 := "[300 100 540 180]", "[40 400 280 480]"
	if rot == 90 {
		rect1, rect2 = "[300 100 380 340]", "[40 400 120 640]"
	}
	p.obj(1, "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[5 0 R 6 0 R 9 0 R]/DA(/Helv 0 Tf 0 g)>>>>")
	p.obj(2, fmt.Sprintf("<</Type/Pages/Count 1/Kids[3 0 R]/Rotate %d>>", rot))
	p.obj(3, "<</Type/Page/Parent 2 0 R/MediaBox[0 0 600 800]/Contents 4 0 R/Resources<<>>/Annots[5 0 R 8 0 R 9 0 R]>>")
	p.obj(4, "<</Length 0>>\nstream\n\nendstream")
	p.obj(5, "<</Type/Annot/Subtype/Widget/FT/Sig/T(Persetujuan)/Rect"+rect1+"/P 3 0 R/F 4>>")
	p.obj(6, "<</T(Form)/Kids[7 0 R]>>")
	p.obj(7, "<</FT/Sig/T(Kepala)/Parent 6 0 R/Kids[8 0 R]>>")
	p.obj(8, "<</Type/Annot/Subtype/Widget/Parent 7 0 R/Rect"+rect2+"/P 3 0 R/F 4>>")
	p.obj(9, "<</Type/Annot/Subtype/Widget/FT/Tx/T(Nama)/V(Budi)/Rect[40 700 240 720]/P 3 0 R/F 4>>")
	return p.table(9)
}

// TestSignEmptyField signs into existing empty signature fields (merged
// and separate widget, page upright and rotated), checks the outputs with
// the validators and pdftoppm, and refuses a signed or non-signature field.
func TestSignEmptyField(t *testing.T) {
	k := getKit(t)
	rsaPKI, ecPKI := pkis()
	for _, rot := range []int{0, 90} {
		t.Run(fmt.Sprint(rot), func(t *testing.T) {
			dir := t.TempDir()
			in, one, two := filepath.Join(dir, "form.pdf"), filepath.Join(dir, "one.pdf"), filepath.Join(dir, "two.pdf")
			os.WriteFile(in, formPDF(rot), 0o644)
			ap := &Appearance{NIP: "199501192022032003", QR: "https://besign.natunakab.go.id/verify?id=9", Labels: idLabels}
			o1 := Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), FieldName: "Persetujuan", Appearance: ap}
			if err := SignFile(in, one, o1, FileOptions{}); err != nil {
				t.Fatal(err)
			}
			o2 := Options{Signer: ecPKI.Key, Chain: ecPKI.Chain(), FieldName: "Form.Kepala", Appearance: ap}
			if err := SignFile(one, two, o2, FileOptions{}); err != nil {
				t.Fatal(err)
			}
			orig, _ := os.ReadFile(in)
			first, _ := os.ReadFile(one)
			// one.pdf still has the empty field, which pdfsig and mutool
			// list as an unsigned signature: all tools judge two.pdf.
			if !bytes.HasPrefix(first, orig) {
				t.Fatal("the input is not a prefix of one.pdf")
			}
			if err := k.openssl(one, 1); err != nil {
				t.Error(err)
			}
			validateOutput(t, k, in, two, 2, first)
			infos, err := VerifyFile(two, k.roots)
			if err != nil || len(infos) != 2 || infos[0].Field != "Persetujuan" || infos[1].Field != "Form.Kepala" {
				t.Fatalf("Verify: %+v %v", infos, err)
			}
			// Both stamps are in their fields' boxes, upright.
			const scale = 2
			g := render(t, two, scale)
			vh := 800
			boxes := []image.Rectangle{image.Rect(300, vh-180, 540, vh-100), image.Rect(40, vh-480, 280, vh-400)}
			if rot == 90 {
				// Displayed 800 x 600: x = v, y = 600 - u.
				vh = 600
				boxes = []image.Rectangle{image.Rect(100, vh-(600-300), 340, vh-(600-380)), image.Rect(400, vh-(600-40), 640, vh-(600-120))}
			}
			for _, b := range boxes {
				sub := g.SubImage(image.Rect(b.Min.X*scale-20, b.Min.Y*scale-20, b.Max.X*scale+20, b.Max.Y*scale+20)).(*image.Gray)
				checkStamp(t, sub, image.Rect(b.Min.X*scale, b.Min.Y*scale, b.Max.X*scale, b.Max.Y*scale), scale)
			}
			for _, c := range []struct {
				field string
				want  error
			}{{"Persetujuan", ErrFieldSigned}, {"Form.Kepala", ErrFieldSigned}, {"Nama", ErrFieldType}} {
				err := SignFile(two, filepath.Join(dir, "three.pdf"), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), FieldName: c.field}, FileOptions{})
				if !errors.Is(err, c.want) {
					t.Errorf("field %s: %v, want %v", c.field, err, c.want)
				}
			}
		})
	}
}

// TestSignatureFields lists the fields an app offers, with their page and
// displayed box, before and after signing one.
func TestSignatureFields(t *testing.T) {
	rsaPKI, _ := pkis()
	in := formPDF(90)
	got, err := SignatureFields(bytes.NewReader(in), int64(len(in)), "")
	want := []Field{
		{Name: "Persetujuan", Page: 1, Rect: Rect{X: 100, Y: 220, W: 240, H: 80}},
		{Name: "Form.Kepala", Page: 1, Rect: Rect{X: 400, Y: 480, W: 240, H: 80}},
	}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v %v, want %+v", got, err, want)
	}
	var out bytes.Buffer
	if err := Sign(&out, bytes.NewReader(in), int64(len(in)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), FieldName: "Form.Kepala"}); err != nil {
		t.Fatal(err)
	}
	got, err = SignatureFields(bytes.NewReader(out.Bytes()), int64(out.Len()), "")
	if err != nil || len(got) != 2 || got[0].Signed || !got[1].Signed || got[1].Rect != want[1].Rect {
		t.Fatalf("after signing: %+v %v", got, err)
	}
}

// TestPlaceDisplayedRoundTrip: displayed is the inverse of place for
// every rotation and an offset crop box.
func TestPlaceDisplayedRoundTrip(t *testing.T) {
	for _, rot := range []int{0, 90, 180, 270} {
		pg := &pageInfo{inherited: inherited{
			media:  pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(600), pdf.Int(800)},
			crop:   pdf.Array{pdf.Int(50), pdf.Int(70), pdf.Int(550), pdf.Int(770)},
			rotate: pdf.Int(rot)}}
		r := Rect{X: 20, Y: 30, W: 240, H: 80}
		box, _ := pg.place(r)
		if back := pg.displayed(box); back != r {
			t.Errorf("rotation %d: %v -> %v -> %v", rot, r, box, back)
		}
	}
}
