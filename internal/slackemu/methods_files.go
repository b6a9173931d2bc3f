package slackemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// File is a file uploaded with files.getUploadURLExternal and the upload URL.
type File struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	Length   int    `json:"length"` // as declared to files.getUploadURLExternal
	Data     []byte `json:"-"`
	Uploaded bool   `json:"uploaded"`
	// Channel is where files.completeUploadExternal shared the file ("" if
	// it was completed without a channel, or not completed).
	Channel   string `json:"channel,omitempty"`
	Completed bool   `json:"completed"`
}

// object renders the file object of a file message.
func (f *File) object(base string) map[string]any {
	return map[string]any{
		"id":                   f.ID,
		"name":                 f.Name,
		"title":                f.Title,
		"size":                 len(f.Data),
		"mimetype":             mime.TypeByExtension(fileExt(f.Name)),
		"url_private":          base + "/files/" + f.ID + "/" + f.Name,
		"url_private_download": base + "/files/" + f.ID + "/download/" + f.Name,
	}
}

func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

// Files returns the uploaded files, in upload order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.fileSeq))
	for _, id := range s.fileSeq {
		f := *s.files[id]
		f.Data = bytes.Clone(f.Data)
		out = append(out, f)
	}
	return out
}

func (s *Server) filesGetUploadURLExternal(r *apiRequest) response {
	name := r.str("filename")
	if name == "" {
		return errResp("invalid_arguments", "[ERROR] missing required field: filename")
	}
	n, err := strconv.Atoi(r.str("length"))
	if err != nil || n <= 0 {
		return errResp("invalid_arguments", "[ERROR] missing or invalid field: length")
	}
	id := s.nextIDLocked("F")
	s.files[id] = &File{ID: id, Name: name, Title: name, Length: n}
	s.fileSeq = append(s.fileSeq, id)
	return okResp("upload_url", s.baseURL+"/upload/v1/"+id, "file_id", id)
}

// handleUpload is the upload URL: it accepts a multipart form (field
// "file", as slack-go sends) or a raw body.
func (s *Server) handleUpload(w http.ResponseWriter, hr *http.Request) {
	id := hr.URL.Path[strings.LastIndexByte(hr.URL.Path, '/')+1:]
	data, err := readUpload(hr)

	s.mu.Lock()
	defer s.mu.Unlock()
	status, reply := http.StatusOK, ""
	f, ok := s.files[id]
	switch {
	case hr.Method != http.MethodPost:
		status, reply = http.StatusMethodNotAllowed, "method not allowed"
	case !ok:
		status, reply = http.StatusNotFound, "file not found"
	case err != nil:
		status, reply = http.StatusBadRequest, err.Error()
	default:
		f.Data, f.Uploaded = data, true
		reply = fmt.Sprintf("OK - %d", len(data))
		if len(data) != f.Length {
			s.violateLocked("upload of %s: %d bytes, but files.getUploadURLExternal declared length %d", id, len(data), f.Length)
		}
	}
	params := map[string]string{"file_id": id, "bytes": strconv.Itoa(len(data))}
	call := Call{Method: "upload", At: s.now(), Params: params, Status: status}
	call.Body, _ = json.Marshal(params)
	if status != http.StatusOK {
		call.Error = reply
	}
	s.calls = append(s.calls, call)
	s.notifyLocked()

	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reply)
}

func readUpload(hr *http.Request) ([]byte, error) {
	ctype, params, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	if ctype != "multipart/form-data" {
		return io.ReadAll(io.LimitReader(hr.Body, 1<<30))
	}
	mr := multipart.NewReader(hr.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("no file part in multipart upload: %v", err)
		}
		if part.FormName() == "file" {
			return io.ReadAll(io.LimitReader(part, 1<<30))
		}
	}
}

func (s *Server) filesCompleteUploadExternal(r *apiRequest) response {
	raw, ok := r.raw("files")
	if !ok {
		return errResp("invalid_arguments", "[ERROR] missing required field: files")
	}
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return errResp("invalid_arguments", "[ERROR] files must be a non-empty JSON array")
	}
	var files []*File
	for _, item := range list {
		f, ok := s.files[item.ID]
		if !ok || !f.Uploaded || f.Completed {
			return errResp("file_not_found")
		}
		files = append(files, f)
	}
	channel := r.str("channel_id")
	if channel == "" {
		channel = r.str("channels")
	}
	var ch, user string
	if channel != "" {
		if strings.Contains(channel, ",") {
			return errResp("not_implemented", "[ERROR] the emulator shares to one channel only")
		}
		var ok bool
		if ch, user, ok = s.resolveChannelLocked(channel); !ok {
			return errResp("invalid_channel")
		}
		if code := s.channelAccessLocked(ch, "invalid_channel"); code != "" {
			return errResp(code)
		}
	}
	in, bad := parseMsgInput(r)
	if bad != nil {
		return bad
	}
	in.text, in.hasText = r.str("initial_comment"), true
	if in.hasBlocks {
		if bad := s.checkMessageLocked("files.completeUploadExternal", in, true); bad != nil {
			return bad
		}
	}
	summaries := make([]map[string]string, 0, len(files))
	var ids []string
	for i, f := range files {
		f.Completed = true
		f.Channel = ch
		if ch != "" {
			to := ch
			if user != "" {
				to = user
			}
			s.showLocked(to, "file", string(f.Data))
		}
		if list[i].Title != "" {
			f.Title = list[i].Title
		}
		ids = append(ids, f.ID)
		summaries = append(summaries, map[string]string{"id": f.ID, "title": f.Title})
	}
	if ch != "" {
		s.storeMessageLocked(&Message{Channel: ch, User: user, Via: "files.completeUploadExternal", Files: ids}, in)
	}
	return okResp("files", summaries)
}
