//! Readers of vector files: `.fvecs`, `.bvecs` and `.npy`. Every length comes from the file and
//! is checked against the file's size before anything is read, so a truncated or foreign file
//! gives an error, never a panic or a huge allocation.
//!
//! ```text
//! .fvecs   per row: i32 dim (LE), dim × f32 (LE)
//! .bvecs   per row: i32 dim (LE), dim × u8
//! .npy     "\x93NUMPY", u8 major, u8 minor, header length (u16 LE for v1, u32 LE for v2/v3),
//!          a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (rows, dim)},
//!          then rows × dim × f32 (LE), C order
//! ```

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use kiln::MAX_DIMENSION;

/// The formats the tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.fvecs`: f32 components.
    Fvecs,
    /// `.bvecs`: u8 components, converted to f32.
    Bvecs,
    /// `.npy`: a 2-D little-endian float32 array in C order.
    Npy,
}

impl Format {
    /// The format named by the file's extension.
    pub fn of(path: &Path) -> Result<Format, String> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("fvecs") => Ok(Format::Fvecs),
            Some("bvecs") => Ok(Format::Bvecs),
            Some("npy") => Ok(Format::Npy),
            _ => Err("unknown file type: expected a .fvecs, .bvecs or .npy file".into()),
        }
    }

    /// Bytes per component.
    fn component_bytes(self) -> u64 {
        match self {
            Format::Bvecs => 1,
            Format::Fvecs | Format::Npy => 4,
        }
    }

    /// Bytes of the per-row header.
    fn row_header_bytes(self) -> u64 {
        match self {
            Format::Fvecs | Format::Bvecs => 4,
            Format::Npy => 0,
        }
    }
}

/// A vector file opened for reading rows in order.
#[derive(Debug)]
pub struct VecFile {
    format: Format,
    reader: BufReader<File>,
    dim: usize,
    rows: u64,
    data_start: u64,
    next_row: u64,
    buf: Vec<u8>,
}

impl VecFile {
    /// Open `path` and check its header and size. The error is the cause alone; callers say
    /// which file.
    pub fn open(path: &Path) -> Result<VecFile, String> {
        let format = Format::of(path)?;
        let file = File::open(path).map_err(|e| e.to_string())?;
        let meta = file.metadata().map_err(|e| e.to_string())?;
        if meta.is_dir() {
            return Err("is a directory".into());
        }
        let len = meta.len();
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let (dim, rows, data_start) = match format {
            Format::Fvecs | Format::Bvecs => vecs_shape(&mut reader, format, len)?,
            Format::Npy => npy_shape(&mut reader, len)?,
        };
        reader
            .seek(SeekFrom::Start(data_start))
            .map_err(|e| e.to_string())?;
        Ok(VecFile {
            format,
            reader,
            dim,
            rows,
            data_start,
            next_row: 0,
            buf: Vec::new(),
        })
    }

    /// Components per vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Rows in the file.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn row_bytes(&self) -> u64 {
        self.format.row_header_bytes() + self.dim as u64 * self.format.component_bytes()
    }

    /// Continue reading at `row`.
    pub fn seek_row(&mut self, row: u64) -> Result<(), String> {
        if row >= self.rows {
            return Err(format!(
                "row {row} is past the end (the file has {} rows)",
                self.rows
            ));
        }
        let at = self.data_start + row * self.row_bytes();
        self.reader
            .seek(SeekFrom::Start(at))
            .map_err(|e| e.to_string())?;
        self.next_row = row;
        Ok(())
    }

    /// Append up to `max` rows to `out` (row-major f32); returns how many, 0 at the end.
    pub fn read_rows(&mut self, max: usize, out: &mut Vec<f32>) -> Result<usize, String> {
        let n = (self.rows - self.next_row).min(max as u64) as usize;
        if n == 0 {
            return Ok(0);
        }
        let row_bytes = self.row_bytes() as usize;
        self.buf.resize(n * row_bytes, 0);
        self.reader.read_exact(&mut self.buf).map_err(|e| {
            format!(
                "reading rows {}..{}: {e} (was the file truncated while reading?)",
                self.next_row,
                self.next_row + n as u64
            )
        })?;
        out.reserve(n * self.dim);
        let header = self.format.row_header_bytes() as usize;
        for (i, record) in self.buf.chunks_exact(row_bytes).enumerate() {
            let (head, body) = record.split_at(header);
            if let Ok(h) = <[u8; 4]>::try_from(head) {
                let d = i32::from_le_bytes(h);
                if d as i64 != self.dim as i64 {
                    return Err(format!(
                        "row {} has dimension {d}, but the first row has {}",
                        self.next_row + i as u64,
                        self.dim
                    ));
                }
            }
            match self.format {
                Format::Bvecs => out.extend(body.iter().map(|&b| f32::from(b))),
                Format::Fvecs | Format::Npy => out.extend(
                    body.chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                ),
            }
        }
        self.next_row += n as u64;
        Ok(n)
    }
}

/// Read the whole file: `(dim, rows × dim floats)`.
pub fn read_all(path: &Path) -> Result<(usize, Vec<f32>), String> {
    let mut f = VecFile::open(path)?;
    let mut out = Vec::new();
    while f.read_rows(4096, &mut out)? > 0 {}
    Ok((f.dim(), out))
}

/// Dimension, rows and data offset of an fvecs or bvecs file, from its first header and size.
fn vecs_shape(
    reader: &mut impl Read,
    format: Format,
    len: u64,
) -> Result<(usize, u64, u64), String> {
    if len == 0 {
        return Err("the file is empty".into());
    }
    let mut head = [0u8; 4];
    if len < 4 {
        return Err(format!(
            "truncated: {len} bytes, too short for the first row's 4-byte dimension"
        ));
    }
    reader.read_exact(&mut head).map_err(|e| e.to_string())?;
    let d = i32::from_le_bytes(head);
    if d <= 0 || d as usize > MAX_DIMENSION {
        return Err(format!(
            "the first row says dimension {d}, outside 1..={MAX_DIMENSION}: not a valid {} file",
            if format == Format::Fvecs {
                ".fvecs"
            } else {
                ".bvecs"
            }
        ));
    }
    let dim = d as usize;
    let row_bytes = format.row_header_bytes() + dim as u64 * format.component_bytes();
    if !len.is_multiple_of(row_bytes) {
        return Err(format!(
            "truncated: {len} bytes is not a whole number of {row_bytes}-byte rows of dimension \
             {dim} (the last row has {} of its {row_bytes} bytes)",
            len % row_bytes
        ));
    }
    Ok((dim, len / row_bytes, 0))
}

/// Dimension, rows and data offset of an `.npy` file; only 2-D little-endian float32 in C order.
fn npy_shape(reader: &mut impl Read, len: u64) -> Result<(usize, u64, u64), String> {
    const MAGIC: &[u8; 6] = b"\x93NUMPY";
    let mut pre = [0u8; 8];
    if len < 10 {
        return Err(format!(
            "truncated: {len} bytes, too short for an .npy header"
        ));
    }
    reader.read_exact(&mut pre).map_err(|e| e.to_string())?;
    if &pre[..6] != MAGIC {
        return Err("not an .npy file (the magic string \\x93NUMPY is missing)".into());
    }
    let major = pre[6];
    let (header_len, prefix) = match major {
        1 => {
            let mut b = [0u8; 2];
            reader.read_exact(&mut b).map_err(|e| e.to_string())?;
            (u64::from(u16::from_le_bytes(b)), 10u64)
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            reader.read_exact(&mut b).map_err(|e| e.to_string())?;
            (u64::from(u32::from_le_bytes(b)), 12u64)
        }
        v => return Err(format!("unsupported .npy format version {v}.{}", pre[7])),
    };
    if header_len > 1 << 20 || prefix + header_len > len {
        return Err(format!(
            "truncated or damaged .npy header: it claims {header_len} bytes, the file has {len}"
        ));
    }
    let mut header = vec![0u8; header_len as usize];
    reader.read_exact(&mut header).map_err(|e| e.to_string())?;
    let header =
        String::from_utf8(header).map_err(|_| "the .npy header is not text".to_string())?;
    let descr = dict_value(&header, "descr")
        .ok_or("the .npy header has no 'descr'")?
        .trim_matches(|c| c == '\'' || c == '"')
        .to_string();
    if descr != "<f4" && !(descr == "=f4" && cfg!(target_endian = "little")) {
        return Err(format!(
            "unsupported dtype {descr:?}: only little-endian float32 ('<f4') is supported \
             (convert with a.astype('<f4'))"
        ));
    }
    match dict_value(&header, "fortran_order").map(str::trim) {
        Some("False") => {}
        Some("True") => {
            return Err(
                "Fortran-order arrays are not supported (save np.ascontiguousarray(a))".into(),
            )
        }
        _ => return Err("the .npy header has no valid 'fortran_order'".into()),
    }
    let shape_text = dict_value(&header, "shape").ok_or("the .npy header has no 'shape'")?;
    let shape: Vec<u64> = shape_text
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("the .npy header has an unreadable shape {shape_text}"))?;
    let [rows, dim] = shape[..] else {
        return Err(format!(
            "expected a 2-D array (rows, dim), got shape {shape_text} with {} dimensions",
            shape.len()
        ));
    };
    if dim == 0 || dim > MAX_DIMENSION as u64 {
        return Err(format!(
            "vectors of dimension {dim} are outside 1..={MAX_DIMENSION}"
        ));
    }
    let data_start = prefix + header_len;
    let need = rows
        .checked_mul(dim)
        .and_then(|n| n.checked_mul(4))
        .ok_or("the .npy shape is too large")?;
    let have = len - data_start;
    if have < need {
        return Err(format!(
            "truncated: shape ({rows}, {dim}) needs {need} bytes of data, the file has {have}"
        ));
    }
    if have > need {
        return Err(format!(
            "{} bytes after the ({rows}, {dim}) array: not a plain .npy file",
            have - need
        ));
    }
    Ok((dim as usize, rows, data_start))
}

/// The text of `key`'s value in a Python dict literal: up to the next top-level comma or brace.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[at + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(&rest[..i]),
            _ => {}
        }
    }
    None
}

/// Parse a vector written as floats separated by commas and/or whitespace (brackets allowed).
pub fn parse_floats(text: &str) -> Result<Vec<f32>, String> {
    let text = text.trim().trim_start_matches('[').trim_end_matches(']');
    let mut out = Vec::new();
    for (i, token) in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .enumerate()
    {
        let v: f32 = token
            .parse()
            .map_err(|_| format!("component {} is {token:?}, not a number", i + 1))?;
        out.push(v);
    }
    if out.is_empty() {
        return Err("no numbers given".into());
    }
    Ok(out)
}

/// Write `.fvecs` rows (tests and the demo's scratch files).
#[cfg(test)]
pub fn fvecs_bytes(dim: usize, data: &[f32]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in data.chunks(dim) {
        out.extend_from_slice(&(dim as i32).to_le_bytes());
        for v in row {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }

    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn floats(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn reads_fvecs_in_batches() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data: Vec<f32> = (0..30).map(|i| i as f32).collect();
        let p = write(dir.path(), "a.fvecs", &fvecs_bytes(3, &data));
        let mut f = VecFile::open(&p).expect("open");
        assert_eq!((f.dim(), f.rows()), (3, 10));
        let mut out = Vec::new();
        assert_eq!(f.read_rows(4, &mut out).expect("read"), 4);
        assert_eq!(f.read_rows(100, &mut out).expect("read"), 6);
        assert_eq!(f.read_rows(100, &mut out).expect("read"), 0);
        assert_eq!(out, data);
        f.seek_row(9).expect("seek");
        out.clear();
        f.read_rows(1, &mut out).expect("read");
        assert_eq!(out, vec![27.0, 28.0, 29.0]);
    }

    #[test]
    fn rejects_truncated_and_inconsistent_vecs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut bytes = fvecs_bytes(4, &[1.0; 8]);
        bytes.pop();
        let p = write(dir.path(), "t.fvecs", &bytes);
        assert!(VecFile::open(&p)
            .expect_err("truncated")
            .contains("truncated"));

        let mut bytes = fvecs_bytes(2, &[1.0; 4]);
        bytes.extend_from_slice(&fvecs_bytes(2, &[1.0; 2]));
        bytes[12..16].copy_from_slice(&3i32.to_le_bytes());
        let p = write(dir.path(), "d.fvecs", &bytes);
        let mut f = VecFile::open(&p).expect("open");
        let e = f.read_rows(10, &mut Vec::new()).expect_err("bad dim");
        assert!(e.contains("row 1 has dimension 3"), "{e}");

        let p = write(dir.path(), "z.fvecs", &(-5i32).to_le_bytes());
        assert!(VecFile::open(&p).expect_err("bad").contains("dimension -5"));
        let p = write(dir.path(), "e.bvecs", b"");
        assert!(VecFile::open(&p).expect_err("empty").contains("empty"));
    }

    #[test]
    fn reads_bvecs_as_floats() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut bytes = 2i32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[7, 255]);
        let p = write(dir.path(), "b.bvecs", &bytes);
        let (dim, data) = read_all(&p).expect("read");
        assert_eq!((dim, data), (2, vec![7.0, 255.0]));
    }

    #[test]
    fn reads_npy_and_rejects_other_arrays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let p = write(
            dir.path(),
            "a.npy",
            &npy("<f4", false, "(3, 2)", &floats(&data)),
        );
        let (dim, got) = read_all(&p).expect("read");
        assert_eq!((dim, got), (2, data.to_vec()));

        let cases = [
            (npy("<f8", false, "(3, 2)", &floats(&data)), "dtype"),
            (npy("<f4", true, "(3, 2)", &floats(&data)), "Fortran"),
            (npy("<f4", false, "(6,)", &floats(&data)), "2-D"),
            (npy("<f4", false, "(4, 2)", &floats(&data)), "truncated"),
            (b"\x93NUMPX\x01\x00\x00\x00".to_vec(), "magic"),
            (b"\x93NUMPY\x01\x00\xff\x7f".to_vec(), "header"),
        ];
        for (i, (bytes, want)) in cases.iter().enumerate() {
            let p = write(dir.path(), &format!("bad{i}.npy"), bytes);
            let e = VecFile::open(&p).expect_err(want);
            assert!(e.contains(want), "{i}: {e}");
        }
    }

    #[test]
    fn parses_vectors_from_text() {
        assert_eq!(parse_floats("0.5, 1,-2").expect("ok"), vec![0.5, 1.0, -2.0]);
        assert_eq!(parse_floats("[1 2\n3]").expect("ok"), vec![1.0, 2.0, 3.0]);
        assert!(parse_floats("1, x")
            .expect_err("bad")
            .contains("component 2"));
        assert!(parse_floats("  ").is_err());
    }
}
