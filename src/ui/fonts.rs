//! Fonts. egui's bundled font lacks many math symbols (‖, ∝, ⟨⟩, subscripts, arrows), so
//! DejaVu Sans ships with the app as a fallback; Hangul needs a CJK font, which is looked
//! for on the system.

use crate::egui;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where common CJK fonts live on Linux, macOS and Windows, most preferred first.
const CANDIDATES: &[&str] = &[
    // Debian/Ubuntu: fonts-nanum, fonts-noto-cjk, fonts-unfonts-core, fonts-baekmuk
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKkr-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf",
    "/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
    "/usr/share/fonts/truetype/baekmuk/dotum.ttf",
    // Fedora/Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/nanum/NanumGothic.ttf",
    "/usr/share/fonts/naver-nanum/NanumGothic.ttf",
    // macOS
    "/System/Library/Fonts/AppleSDGothicNeo.ttc",
    "/System/Library/Fonts/Supplemental/AppleGothic.ttf",
    "/Library/Fonts/AppleGothic.ttf",
    // Windows
    "C:\\Windows\\Fonts\\malgun.ttf",
    "C:\\Windows\\Fonts\\gulim.ttc",
];

/// Fonts larger than this are not loaded (a full CJK collection is ~20 MB).
const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// The first CJK font found: `DDPM_LAB_CJK_FONT` if set, then [`CANDIDATES`], then the
/// user's font folders (`~/.local/share/fonts`, `~/.fonts`) for Nanum or Noto CJK files.
pub fn find_cjk_font() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DDPM_LAB_CJK_FONT").map(PathBuf::from)
        && p.is_file()
    {
        return Some(p);
    }
    if let Some(p) = CANDIDATES.iter().map(Path::new).find(|p| p.is_file()) {
        return Some(p.to_path_buf());
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    for dir in [home.join(".local/share/fonts"), home.join(".fonts")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_lowercase();
            if (name.contains("nanum") || name.contains("cjk") || name.contains("notosanskr"))
                && (name.ends_with(".ttf") || name.ends_with(".otf") || name.ends_with(".ttc"))
            {
                return Some(e.path());
            }
        }
    }
    None
}

/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/DejaVuSans-LICENSE.txt).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn read_cjk_font() -> Option<Vec<u8>> {
    let path = find_cjk_font()?;
    crate::fsutil::read_limited(&path, "font", MAX_FONT_BYTES).ok()
}

/// Installs the app's fonts: egui's defaults, then DejaVu Sans for symbols, then a system
/// CJK font for Hangul. Returns false when no CJK font was found (the app then keeps the
/// interface in English and says so).
pub fn install_fonts(ctx: &egui::Context) -> bool {
    let mut fonts = egui::FontDefinitions::default();
    let mut fallbacks = vec!["dejavu".to_owned()];
    fonts.font_data.insert(
        "dejavu".to_owned(),
        Arc::new(egui::FontData::from_static(DEJAVU_SANS)),
    );
    let cjk = read_cjk_font();
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
    ctx.set_fonts(fonts);
    found
}
