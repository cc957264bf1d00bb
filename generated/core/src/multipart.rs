//! multipart/form-data bodies (file uploads) that can be rebuilt for every attempt.

use bytes::Bytes;

use super::error::Error;

/// A file to upload in a multipart body.
#[derive(Clone)]
pub struct FilePart {
    pub(crate) bytes: Bytes,
    pub(crate) file_name: Option<String>,
    pub(crate) content_type: Option<String>,
}

impl FilePart {
    /// A file part holding `bytes`.
    pub fn new(bytes: impl Into<Bytes>) -> FilePart {
        FilePart {
            bytes: bytes.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// The file name sent in the part's `Content-Disposition`.
    pub fn file_name(mut self, name: impl Into<String>) -> FilePart {
        self.file_name = Some(name.into());
        self
    }

    /// The part's `Content-Type` (for example `image/png`).
    pub fn content_type(mut self, mime: impl Into<String>) -> FilePart {
        self.content_type = Some(mime.into());
        self
    }
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("len", &self.bytes.len())
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// A multipart/form-data body that can be rebuilt for every attempt.
#[derive(Clone, Debug, Default)]
pub struct Multipart {
    parts: Vec<(String, Part)>,
}

#[derive(Clone, Debug)]
enum Part {
    Text(String),
    File(FilePart),
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// Adds a text part.
    pub fn text(&mut self, name: &str, value: impl Into<String>) {
        self.parts
            .push((name.to_string(), Part::Text(value.into())));
    }

    /// Adds a file part.
    pub fn file(&mut self, name: &str, file: FilePart) {
        self.parts.push((name.to_string(), Part::File(file)));
    }

    pub(crate) fn to_form(&self) -> Result<reqwest::multipart::Form, Error> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            form = match part {
                Part::Text(t) => form.text(name.clone(), t.clone()),
                Part::File(f) => {
                    let mut p = reqwest::multipart::Part::stream_with_length(
                        reqwest::Body::from(f.bytes.clone()),
                        f.bytes.len() as u64,
                    );
                    p = p.file_name(f.file_name.clone().unwrap_or_else(|| name.clone()));
                    if let Some(ct) = &f.content_type {
                        p = p.mime_str(ct).map_err(|e| {
                            Error::InvalidRequest(format!("bad content type {ct:?}: {e}"))
                        })?;
                    }
                    form.part(name.clone(), p)
                }
            };
        }
        Ok(form)
    }
}

/// A generated multipart body model.
pub trait IntoMultipart {
    /// The form: one part per set member.
    fn into_multipart(self) -> Multipart;
}
