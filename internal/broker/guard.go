package broker

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// refusedMessage is the error message sent with every refused admin request,
// so whoever tried knows it is policy and not a fault.
const refusedMessage = "refused by tailcast's embedded broker: admin requests are not accepted from the network"

// adminKeys are the requests that change what the cluster holds or who may
// reach it, rather than producing or consuming: tailcast creates its topic
// through the cluster API at start and needs none of them over the wire.
// Keys with an answer in refuse get a per-item authorization error; the
// others have their connection closed.
var adminKeys = []kmsg.Key{
	kmsg.CreateTopics,
	kmsg.DeleteTopics,
	kmsg.DeleteRecords,
	kmsg.CreatePartitions,
	kmsg.AlterConfigs,
	kmsg.IncrementalAlterConfigs,
	kmsg.CreateACLs,
	kmsg.DeleteACLs,
	kmsg.DeleteGroups,
	kmsg.OffsetDelete,
	kmsg.AlterReplicaLogDirs,
	kmsg.ElectLeaders,
	kmsg.AlterPartitionAssignments,
	kmsg.AlterClientQuotas,
	kmsg.AlterUserSCRAMCredentials,
	kmsg.UpdateFeatures,
	kmsg.WriteTxnMarkers,
	kmsg.AlterShareGroupOffsets,
	kmsg.DeleteShareGroupOffsets,
}

// guardAdmin installs one control function per admin key that answers every
// such request with a refusal, for the cluster's lifetime.
func guardAdmin(c *kfake.Cluster, refused func(kmsg.Key)) {
	for _, k := range adminKeys {
		c.ControlKey(int16(k), func(req kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			refused(k)
			resp := refuse(req)
			if resp == nil {
				return nil, ErrAdminRefused, true // kfake closes the connection
			}
			return resp, nil, true
		})
	}
}

// refuse builds the authorization-failed answer to an admin request, or nil
// when the request has no per-item error to carry it.
func refuse(req kmsg.Request) kmsg.Response {
	msg := refusedMessage
	switch r := req.(type) {
	case *kmsg.CreateTopicsRequest:
		resp := r.ResponseKind().(*kmsg.CreateTopicsResponse)
		for _, t := range r.Topics {
			rt := kmsg.NewCreateTopicsResponseTopic()
			rt.Topic, rt.ErrorCode, rt.ErrorMessage = t.Topic, kerr.TopicAuthorizationFailed.Code, &msg
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.DeleteTopicsRequest:
		resp := r.ResponseKind().(*kmsg.DeleteTopicsResponse)
		for _, name := range r.TopicNames {
			rt := kmsg.NewDeleteTopicsResponseTopic()
			rt.Topic, rt.ErrorCode, rt.ErrorMessage = kmsg.StringPtr(name), kerr.TopicAuthorizationFailed.Code, &msg
			resp.Topics = append(resp.Topics, rt)
		}
		for _, t := range r.Topics { // v6+
			rt := kmsg.NewDeleteTopicsResponseTopic()
			rt.Topic, rt.TopicID, rt.ErrorCode, rt.ErrorMessage = t.Topic, t.TopicID, kerr.TopicAuthorizationFailed.Code, &msg
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.DeleteRecordsRequest:
		resp := r.ResponseKind().(*kmsg.DeleteRecordsResponse)
		for _, t := range r.Topics {
			rt := kmsg.NewDeleteRecordsResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewDeleteRecordsResponseTopicPartition()
				rp.Partition, rp.LowWatermark, rp.ErrorCode = p.Partition, -1, kerr.TopicAuthorizationFailed.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.CreatePartitionsRequest:
		resp := r.ResponseKind().(*kmsg.CreatePartitionsResponse)
		for _, t := range r.Topics {
			rt := kmsg.NewCreatePartitionsResponseTopic()
			rt.Topic, rt.ErrorCode, rt.ErrorMessage = t.Topic, kerr.TopicAuthorizationFailed.Code, &msg
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.AlterConfigsRequest:
		resp := r.ResponseKind().(*kmsg.AlterConfigsResponse)
		for _, res := range r.Resources {
			rr := kmsg.NewAlterConfigsResponseResource()
			rr.ResourceType, rr.ResourceName = res.ResourceType, res.ResourceName
			rr.ErrorCode, rr.ErrorMessage = configAuthCode(res.ResourceType), &msg
			resp.Resources = append(resp.Resources, rr)
		}
		return resp
	case *kmsg.IncrementalAlterConfigsRequest:
		resp := r.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
		for _, res := range r.Resources {
			rr := kmsg.NewIncrementalAlterConfigsResponseResource()
			rr.ResourceType, rr.ResourceName = res.ResourceType, res.ResourceName
			rr.ErrorCode, rr.ErrorMessage = configAuthCode(res.ResourceType), &msg
			resp.Resources = append(resp.Resources, rr)
		}
		return resp
	case *kmsg.CreateACLsRequest:
		resp := r.ResponseKind().(*kmsg.CreateACLsResponse)
		for range r.Creations {
			rr := kmsg.NewCreateACLsResponseResult()
			rr.ErrorCode, rr.ErrorMessage = kerr.ClusterAuthorizationFailed.Code, &msg
			resp.Results = append(resp.Results, rr)
		}
		return resp
	case *kmsg.DeleteACLsRequest:
		resp := r.ResponseKind().(*kmsg.DeleteACLsResponse)
		for range r.Filters {
			rr := kmsg.NewDeleteACLsResponseResult()
			rr.ErrorCode, rr.ErrorMessage = kerr.ClusterAuthorizationFailed.Code, &msg
			resp.Results = append(resp.Results, rr)
		}
		return resp
	case *kmsg.DeleteGroupsRequest:
		resp := r.ResponseKind().(*kmsg.DeleteGroupsResponse)
		for _, g := range r.Groups {
			rg := kmsg.NewDeleteGroupsResponseGroup()
			rg.Group, rg.ErrorCode, rg.ErrorMessage = g, kerr.GroupAuthorizationFailed.Code, &msg
			resp.Groups = append(resp.Groups, rg)
		}
		return resp
	case *kmsg.OffsetDeleteRequest:
		resp := r.ResponseKind().(*kmsg.OffsetDeleteResponse)
		resp.ErrorCode = kerr.GroupAuthorizationFailed.Code
		return resp
	}
	return nil
}

// configAuthCode is the authorization error Kafka gives for a config
// resource: topic configs are the topic's, everything else the cluster's.
func configAuthCode(t kmsg.ConfigResourceType) int16 {
	if t == kmsg.ConfigResourceTypeTopic {
		return kerr.TopicAuthorizationFailed.Code
	}
	return kerr.ClusterAuthorizationFailed.Code
}
