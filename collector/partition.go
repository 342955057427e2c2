package collector

import (
	"hash/fnv"

	"github.com/IBM/sarama"
)

// filePartitioner keeps each file's records in one partition, in order,
// without a record key: the partition is the one sarama's default hash
// partitioner gives the key host + ":" + path, which is where collectors
// before it sent the file's records with that key, so a file's order also
// holds across an upgrade. Like that partitioner it follows the topic's
// partition count. Records not made by a tailFile (no msgMeta) are
// partitioned by their key, as sarama's default does.
type filePartitioner struct{ byKey sarama.Partitioner }

func newFilePartitioner(topic string) sarama.Partitioner {
	return &filePartitioner{byKey: sarama.NewHashPartitioner(topic)}
}

func (p *filePartitioner) Partition(msg *sarama.ProducerMessage, partitions int32) (int32, error) {
	if m, ok := msg.Metadata.(*msgMeta); ok {
		return hashPartition(m.fileHash, partitions), nil
	}
	return p.byKey.Partition(msg, partitions)
}

// RequiresConsistency: a file's records never move to another partition
// because theirs is unavailable.
func (p *filePartitioner) RequiresConsistency() bool { return true }

// fileHash is the FNV-1a hash of host + ":" + path, computed once per file.
func fileHash(host, path string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(host))
	h.Write([]byte{':'})
	h.Write([]byte(path))
	return h.Sum32()
}

// hashPartition maps a hash to a partition as sarama.NewHashPartitioner
// does (signed modulo, then absolute value).
func hashPartition(h uint32, partitions int32) int32 {
	p := int32(h) % partitions
	if p < 0 {
		p = -p
	}
	return p
}
