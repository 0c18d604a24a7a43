// Highlights the sightings row named in the address (#dunlin etc.).
document.addEventListener("DOMContentLoaded", function () {
	var row = location.hash && document.getElementById(location.hash.slice(1));
	if (row && row.tagName === "TR") {
		row.style.background = "#fff3c4";
	}
});
