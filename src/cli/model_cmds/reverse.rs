//! `reverse`: noise an image to t, then denoise it step by step.

use super::*;

#[derive(Debug, Args)]
pub struct ReverseArgs {
    /// The model folder (an image model).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// The image to noise and denoise (centre-cropped and resized to --size).
    #[arg(long, value_name = "IN")]
    pub image: PathBuf,
    /// Work at N × N: the image is centre-cropped and resized to it (an N × N image is used
    /// as it is). Default: the model's own size. A multiple of the model's downsampling
    /// factor, at most 512.
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
    /// Noise the image to this t with the closed form, then denoise from it.
    #[arg(long, value_name = "T", default_value_t = 500)]
    pub t: usize,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Folder for the x_t and x̂0 frames (created if missing).
    #[arg(long, value_name = "FRAMES")]
    pub out_dir: PathBuf,
    /// Also write an animated GIF of x_t | x̂0.
    #[arg(long, value_name = "FILE")]
    pub gif: Option<PathBuf>,
    /// Write a frame every K steps (and always the first and last; default: ~40 frames).
    #[arg(long, value_name = "K")]
    pub every: Option<usize>,
    /// Pixel scale of the frames (1: one pixel per pixel).
    #[arg(long, value_name = "K", default_value_t = 4)]
    pub scale: u32,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
}

fn scaled(item: &[f32], channels: usize, size: usize, scale: u32) -> image::RgbImage {
    let img = render::item_to_rgb(item, channels, size);
    image::imageops::resize(
        &img,
        size as u32 * scale,
        size as u32 * scale,
        image::imageops::FilterType::Nearest,
    )
}

pub fn reverse(args: ReverseArgs) -> Result<()> {
    if args.scale == 0 || args.scale > 16 || args.every == Some(0) {
        return Err(UsageError::new("--scale must be 1..=16 and --every at least 1").into());
    }
    if let Some(g) = &args.gif
        && extension(g) != "gif"
    {
        return Err(UsageError::new("--gif must name a .gif file").into());
    }
    let ckpt = load_model(&args.model, args.backend)?;
    let DataDomain::Image { channels, .. } = ckpt.domain() else {
        return Err(
            UsageError::new("reverse needs an image model (this one is for 2-D points)").into(),
        );
    };
    let sized = sized_model(&ckpt, args.size)?;
    let size = sized.size;
    let big_t = ckpt.schedule.num_steps();
    if args.t == 0 || args.t > big_t {
        return Err(UsageError::new(format!("--t must be 1..={big_t}")).into());
    }
    let options = args.sampler.options(&ckpt.schedule, ckpt.domain())?;
    let x0 = load_image_item_at(&args.image, channels, size)
        .map_err(|e| anyhow!("{}: {e}", args.image.display()))?;
    let (x_t, _) = noise_to(&ckpt.schedule, args.t, &x0, args.sampler.seed)?;
    create_dir_all(&args.out_dir)?;
    let total = inference::reverse_plan(&ckpt.schedule, args.t, &options)?.len();
    let every = args.every.unwrap_or_else(|| total.div_ceil(40).max(1));
    let cancel = interrupt_flag();
    let bar = progress_for(total as u64, "denoising");
    let mut gif_frames = Vec::new();
    let mut write_error: Option<anyhow::Error> = None;
    let mut written = 0usize;
    // Frame files: `xt_tNNNN.png` is the sample at t = NNNN; `x0_tNNNN.png` is the x̂0 the
    // model predicted from it. The GIF shows them side by side.
    let frame =
        |t_sample: usize, xt: &[f32], t_pred: usize, x0_hat: &[f32]| -> Result<image::RgbImage> {
            let a = scaled(xt, channels, size, args.scale);
            let b = scaled(x0_hat, channels, size, args.scale);
            write_atomic(
                &args.out_dir.join(format!("xt_t{t_sample:04}.png")),
                &render::encode_png(&a)?,
            )?;
            write_atomic(
                &args.out_dir.join(format!("x0_t{t_pred:04}.png")),
                &render::encode_png(&b)?,
            )?;
            Ok(render::side_by_side(&a, &b, 4))
        };
    // The input as the model sees it (resized and cropped), and its noised version.
    write_atomic(
        &args.out_dir.join("input.png"),
        &render::encode_png(&scaled(&x0, channels, size, args.scale))?,
    )?;
    write_atomic(
        &args.out_dir.join(format!("xt_t{:04}.png", args.t)),
        &render::encode_png(&scaled(&x_t, channels, size, args.scale))?,
    )?;
    let result = run_reverse(
        &sized,
        &ckpt.schedule,
        x_t,
        args.t,
        &options,
        Some(&cancel),
        |f| {
            if let Some(b) = &bar {
                b.set_position(f.index as u64 + 1);
                b.set_message(f.t.to_string());
            }
            let last = f.index + 1 == f.total;
            if f.index == 0 || (f.index + 1) % every == 0 || last {
                match frame(f.prev, f.x_prev, f.t, f.pred_x0) {
                    Ok(img) => {
                        gif_frames.push(img);
                        written += 1;
                    }
                    Err(e) => {
                        write_error = Some(e);
                        return Flow::Stop;
                    }
                }
            }
            Flow::Continue
        },
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(e) = write_error {
        return Err(e);
    }
    if let Some(gif) = &args.gif {
        write_atomic(gif, &render::encode_gif(&gif_frames, 120)?)?;
        eprintln!("wrote {}", gif.display());
    }
    eprintln!(
        "wrote the input, x_{} and {} frame pairs (x_t, x̂0) to {}{}",
        args.t,
        written,
        args.out_dir.display(),
        if result.stopped { " (interrupted)" } else { "" }
    );
    Ok(())
}
