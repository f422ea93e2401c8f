//! Fonts. egui's bundled font lacks many math symbols (‖, ∝, ⟨⟩, subscripts, arrows), so
//! DejaVu Sans ships with the app as a fallback; Hangul needs a CJK font, which is looked
//! for on the system.

use crate::egui;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The family that draws accented math letters (x̂, ε̂) whose combining mark egui's
/// monospace font lacks: DejaVu Sans alone, so letter and mark come from one font.
pub const MATH_FAMILY: &str = "ddpm-math";

/// Where common CJK fonts live on Linux, macOS and Windows, most preferred first. Each has
/// Hangul (Noto CJK collections and Droid Sans Fallback cover Korean too).
const CANDIDATES: &[&str] = &[
    // Debian/Ubuntu: fonts-nanum, fonts-noto-cjk, fonts-unfonts-core, fonts-baekmuk,
    // fonts-droid-fallback, fonts-wqy-microhei
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKkr-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf",
    "/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
    "/usr/share/fonts/truetype/baekmuk/dotum.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    // Fedora, Arch, openSUSE, Alpine
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/nanum/NanumGothic.ttf",
    "/usr/share/fonts/naver-nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/NanumGothic.ttf",
    "/usr/share/fonts/TTF/NanumGothic.ttf",
    // macOS
    "/System/Library/Fonts/AppleSDGothicNeo.ttc",
    "/System/Library/Fonts/Supplemental/AppleGothic.ttf",
    "/Library/Fonts/AppleGothic.ttf",
    "/Library/Fonts/NanumGothic.ttf",
    // Windows (also looked for under %WINDIR%, see `system_dirs`)
    "C:\\Windows\\Fonts\\malgun.ttf",
    "C:\\Windows\\Fonts\\gulim.ttc",
];

/// File names (lower case) of Hangul fonts looked for in font folders when none of the
/// [`CANDIDATES`] exists, most preferred first.
const FILE_NAMES: &[&str] = &[
    "nanumgothic.ttf",
    "nanumbarungothic.ttf",
    "notosanscjk-regular.ttc",
    "notosanscjkkr-regular.otf",
    "notosanskr-regular.ttf",
    "notosanskr-regular.otf",
    "notosanskr-vf.ttf",
    "notosanscjk-vf.ttc",
    "sourcehansanskr-regular.otf",
    "sourcehansans-regular.ttc",
    "applesdgothicneo.ttc",
    "applegothic.ttf",
    "malgun.ttf",
    "gulim.ttc",
    "undotum.ttf",
    "dotum.ttf",
    "droidsansfallbackfull.ttf",
    "wqy-microhei.ttc",
];

/// Font folders are searched this deep (`/usr/share/fonts/opentype/noto/x.ttc` is 2).
const MAX_DEPTH: usize = 4;

/// Fonts larger than this are not loaded (a full CJK collection is ~20 MB).
#[cfg(not(target_arch = "wasm32"))]
const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// The system's and the user's font folders on Linux, macOS and Windows.
fn font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = [
        "/usr/share/fonts",
        "/usr/local/share/fonts",
        "/System/Library/Fonts",
        "/Library/Fonts",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    if let Some(windir) = std::env::var_os("WINDIR") {
        dirs.push(PathBuf::from(windir).join("Fonts"));
    }
    if let Some(local) = std::env::var_os("LOCALAPPDATA") {
        dirs.push(PathBuf::from(local).join("Microsoft/Windows/Fonts"));
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        dirs.push(home.join(".local/share/fonts"));
        dirs.push(home.join(".fonts"));
        dirs.push(home.join("Library/Fonts"));
    }
    if let Some(data) = std::env::var_os("XDG_DATA_HOME") {
        dirs.push(PathBuf::from(data).join("fonts"));
    }
    dirs
}

/// The first CJK font found: `DDPM_LAB_CJK_FONT` if set, then [`CANDIDATES`], then the
/// best-ranked [`FILE_NAMES`] match in the font folders.
pub fn find_cjk_font() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DDPM_LAB_CJK_FONT").map(PathBuf::from)
        && p.is_file()
    {
        return Some(p);
    }
    if let Some(p) = CANDIDATES.iter().map(Path::new).find(|p| p.is_file()) {
        return Some(p.to_path_buf());
    }
    find_cjk_font_in(&font_dirs())
}

/// The best-ranked Hangul font (by [`FILE_NAMES`], then path) under `dirs`, searched up
/// to [`MAX_DEPTH`] folders deep.
pub fn find_cjk_font_in(dirs: &[PathBuf]) -> Option<PathBuf> {
    let mut best: Option<(usize, PathBuf)> = None;
    let mut stack: Vec<(PathBuf, usize)> = dirs.iter().map(|d| (d.clone(), 0)).collect();
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(kind) = e.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            let name = e.file_name().to_string_lossy().to_lowercase();
            let Some(rank) = FILE_NAMES.iter().position(|n| *n == name) else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((r, p)) => rank < *r || (rank == *r && path < *p),
            };
            if better {
                best = Some((rank, path));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/DejaVuSans-LICENSE.txt).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

#[cfg(not(target_arch = "wasm32"))]
fn read_cjk_font() -> Option<Vec<u8>> {
    let path = find_cjk_font()?;
    crate::fsutil::read_limited(&path, "font", MAX_FONT_BYTES).ok()
}

/// A page has no system fonts: the web build ships its Hangul font, a subset of NanumGothic
/// (SIL OFL 1.1, see assets/fonts/DdpmLabHangul-LICENSE.txt; made by
/// scripts/subset_hangul_font.py).
#[cfg(target_arch = "wasm32")]
fn read_cjk_font() -> Option<Vec<u8>> {
    static HANGUL: &[u8] = include_bytes!("../../assets/fonts/DdpmLabHangul.ttf");
    Some(HANGUL.to_vec())
}

/// Installs the app's fonts: egui's defaults, then DejaVu Sans for symbols, then a system
/// CJK font for Hangul. Returns false when no CJK font was found (the app then keeps the
/// interface in English and says so).
pub fn install_fonts(ctx: &egui::Context) -> bool {
    install_fonts_with(ctx, read_cjk_font())
}

/// [`install_fonts`] with the CJK font's bytes given (`None`: no Hangul font).
pub fn install_fonts_with(ctx: &egui::Context, cjk: Option<Vec<u8>>) -> bool {
    let mut fonts = egui::FontDefinitions::default();
    let mut fallbacks = vec!["dejavu".to_owned()];
    fonts.font_data.insert(
        "dejavu".to_owned(),
        Arc::new(egui::FontData::from_static(DEJAVU_SANS)),
    );
    let found = cjk.is_some();
    if let Some(bytes) = cjk {
        fonts.font_data.insert(
            "cjk".to_owned(),
            Arc::new(egui::FontData::from_owned(bytes)),
        );
        fallbacks.push("cjk".to_owned());
    }
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .extend(fallbacks.iter().cloned());
    }
    fonts.families.insert(
        egui::FontFamily::Name(MATH_FAMILY.into()),
        vec!["dejavu".to_owned()],
    );
    ctx.set_fonts(fonts);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_best_ranked_hangul_font_in_nested_folders() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("opentype/noto");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(dir.path().join("DejaVuSans.ttf"), b"x").unwrap();
        assert_eq!(find_cjk_font_in(&[dir.path().to_path_buf()]), None);
        std::fs::write(deep.join("NotoSansCJK-Regular.ttc"), b"x").unwrap();
        assert_eq!(
            find_cjk_font_in(&[dir.path().to_path_buf()]),
            Some(deep.join("NotoSansCJK-Regular.ttc"))
        );
        // Nanum ranks first; a missing folder is skipped.
        std::fs::write(dir.path().join("NanumGothic.ttf"), b"x").unwrap();
        assert_eq!(
            find_cjk_font_in(&[dir.path().join("missing"), dir.path().to_path_buf()]),
            Some(dir.path().join("NanumGothic.ttf"))
        );
    }
}
