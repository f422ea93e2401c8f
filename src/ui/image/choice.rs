//! The picture the panel works on: a generated sample, a bundled photo or a user's file
//! (read and decoded on a job; a failure keeps the previous picture and says why).

use super::*;

impl ImagePanel {
    /// Uses one of the bundled photos.
    pub fn use_photo(&mut self, photo: BundledPhoto) {
        match photo.load() {
            Ok(img) => {
                self.set_picture(PictureState {
                    name: img.name.clone(),
                    original_size: img.original_size,
                    image: Arc::new(img.image),
                });
                self.choice = ImageChoice::Photo(photo);
                self.load_error = None;
            }
            Err(e) => {
                self.load_error = Some((photo.file_name().to_string(), LoadFailure::Image(e), 0));
            }
        }
    }

    /// Opens an image file, as the file dialog or a drop on the window does: read and
    /// decoded on a job; on success it replaces the picture, on failure the previous one
    /// stays and the panel says why.
    pub fn open_image_path(&mut self, path: &Path, repaint: Repaint) {
        let p = path.to_path_buf();
        // The error is kept as a value (worded in the frame's language), so the job
        // itself always finishes.
        let job = jobs::spawn("load-image", repaint, move |_ctx| Ok(load_image_file(&p)));
        self.load_job = Some((path.to_path_buf(), job));
    }

    /// Uses a sample picture.
    pub fn use_sample(&mut self, kind: SampleKind, seed: u64) {
        let image = sample_image(kind, seed);
        self.set_picture(PictureState {
            name: format!("{kind:?}").to_lowercase(),
            original_size: (image.width(), image.height()),
            image: Arc::new(image),
        });
        self.choice = ImageChoice::Sample { kind, seed };
        self.load_error = None;
    }

    pub(super) fn set_picture(&mut self, picture: PictureState) {
        self.picture = Some(picture);
        self.picture_generation += 1;
        self.clean = None;
        // "saved …" was about the old picture's frames.
        self.export_status = None;
        self.cancel_run();
        self.run = None;
        self.mode = ViewMode::Forward;
    }

    pub(super) fn accept_load(
        &mut self,
        path: PathBuf,
        outcome: JobOutcome<Result<LoadedImage, ImageLoadError>>,
    ) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        match outcome {
            JobOutcome::Finished(Ok(img)) => {
                self.set_picture(PictureState {
                    name: img.name.clone(),
                    original_size: img.original_size,
                    image: Arc::new(img.image),
                });
                self.choice = ImageChoice::File(path);
                self.load_error = None;
            }
            JobOutcome::Cancelled => {}
            JobOutcome::Finished(Err(_)) | JobOutcome::Failed(_) => {
                let failure = match outcome {
                    JobOutcome::Finished(Err(e)) => LoadFailure::Image(e),
                    JobOutcome::Failed(m) => LoadFailure::Other(m),
                    _ => return,
                };
                // Stamped with the inputs of the frame it is first shown in (see update).
                self.load_error = Some((name, failure, 0));
                if self.picture.is_none() {
                    // Nothing to keep (a stored file that is gone): use the default.
                    let ImageChoice::Sample { kind, seed } = ImageChoice::default() else {
                        return;
                    };
                    let err = self.load_error.take();
                    self.use_sample(kind, seed);
                    self.load_error = err;
                }
            }
        }
    }
}
